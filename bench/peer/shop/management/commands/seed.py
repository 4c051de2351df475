"""`manage.py seed --customers N --stock S`: the flash sale's customers (tokens bench-token-<i>), one hot
product with S units, the Domestic Standard method and California's tax rate. Prints the ids as JSON."""
import json

from django.core.management.base import BaseCommand

from shop.models import Customer, Product, ShippingMethod, TaxRate, Variant


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=64)
        parser.add_argument("--stock", type=int, default=10_000_000)

    def handle(self, *args, customers, stock, **options):
        Customer.objects.bulk_create([Customer(email=f"bench-{i}@example.com", token=f"bench-token-{i}") for i in range(customers)])
        product = Product.objects.create(name="Harbor Oak Mug")
        variant = Variant.objects.create(product=product, sku="CS-00001", price_cents=2499, weight_grams=400, stock_quantity=stock)
        method = ShippingMethod.objects.create(name="Standard", country="US", price_cents=500, free_from_cents=7500)
        TaxRate.objects.create(country="US", region="CA", tax_class="standard", rate_bp=725)
        self.stdout.write(json.dumps({"variant_id": variant.id, "method_id": method.id, "stock": stock}))
