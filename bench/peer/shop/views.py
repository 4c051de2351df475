"""POST /orders as the store places one: the customer from the bearer token, the variants' prices read and
their stock locked with select_for_update, shipping and tax priced from their rows, the order and its
lines written in one transaction, the order answered as JSON (201); 409 when stock is short."""
import json

from django.db import transaction
from django.http import JsonResponse

from .models import Customer, Order, OrderItem, ShippingMethod, TaxRate, Variant


def healthz(request):
    return JsonResponse({"ok": True})


def error(status, code, message):
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def create_order(request):
    if request.method != "POST":
        return error(405, "method_not_allowed", "POST an order")
    auth = request.headers.get("Authorization", "")
    customer = Customer.objects.filter(token=auth[7:]).first() if auth.startswith("Bearer ") else None
    if customer is None:
        return error(401, "unauthorized", "Sign in first")
    try:
        body = json.loads(request.body)
        lines = [(int(item["variant_id"]), int(item["quantity"])) for item in body["items"]]
        address = body["shipping_address"]
        method_id = int(body["shipping_method_id"])
    except (ValueError, KeyError, TypeError):
        return error(400, "validation_failed", "items, shipping_address and shipping_method_id are required")
    if not lines or any(q < 1 or q > 99 for _, q in lines) or len({v for v, _ in lines}) != len(lines):
        return error(400, "validation_failed", "each line names a variant once, 1 to 99 units")
    with transaction.atomic():
        variants = {
            v.id: v
            for v in Variant.objects.select_for_update().select_related("product").filter(id__in=[v for v, _ in lines], is_active=True).order_by("id")
        }
        if len(variants) != len(lines):
            return error(404, "not_found", "a variant is not sold")
        for variant_id, quantity in lines:
            if variants[variant_id].stock_quantity < quantity:
                return error(409, "insufficient_stock", f"variant {variant_id} has {variants[variant_id].stock_quantity} left")
        method = ShippingMethod.objects.filter(id=method_id, country=address.get("country")).first()
        if method is None:
            return error(400, "validation_failed", "this method does not ship there")
        rates = {r.tax_class: r.rate_bp for r in TaxRate.objects.filter(country=address.get("country"), region=address.get("region", ""))}
        subtotal = sum(variants[v].price_cents * q for v, q in lines)
        shipping = 0 if method.free_from_cents is not None and subtotal >= method.free_from_cents else method.price_cents
        taxes = [round(variants[v].price_cents * q * rates.get(variants[v].product.tax_class, 0) / 10000) for v, q in lines]
        order = Order.objects.create(
            customer=customer,
            subtotal_cents=subtotal,
            shipping_cents=shipping,
            tax_cents=sum(taxes),
            total_cents=subtotal + shipping + sum(taxes),
            shipping_address=address,
            shipping_method=method,
        )
        items = [
            OrderItem(order=order, variant=variants[v], name=variants[v].product.name, quantity=q, price_at_purchase_cents=variants[v].price_cents, tax_cents=tax)
            for (v, q), tax in zip(lines, taxes)
        ]
        OrderItem.objects.bulk_create(items)
        for variant_id, quantity in lines:
            variants[variant_id].stock_quantity -= quantity
            variants[variant_id].save(update_fields=["stock_quantity"])
    return JsonResponse(
        {
            "id": str(order.id),
            "status": order.status,
            "subtotal_cents": order.subtotal_cents,
            "shipping_cents": order.shipping_cents,
            "tax_cents": order.tax_cents,
            "total_cents": order.total_cents,
            "items": [
                {"variant_id": i.variant_id, "name": i.name, "quantity": i.quantity, "price_at_purchase_cents": i.price_at_purchase_cents, "tax_cents": i.tax_cents}
                for i in items
            ],
            "created_at": order.created_at.isoformat(),
        },
        status=201,
    )
