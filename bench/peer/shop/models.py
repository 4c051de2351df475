"""What the flash sale touches, shaped as the store's tables are: customers (by API token), variants with
stock, a shipping method, a tax rate, orders with their lines."""
import uuid

from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    token = models.CharField(max_length=64, unique=True)


class Product(models.Model):
    name = models.CharField(max_length=200)
    tax_class = models.CharField(max_length=20, default="standard")


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=100, null=True, unique=True)
    title = models.CharField(max_length=200, default="Default")
    price_cents = models.IntegerField()
    weight_grams = models.IntegerField(default=0)
    stock_quantity = models.IntegerField()
    is_active = models.BooleanField(default=True)


class ShippingMethod(models.Model):
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2)
    price_cents = models.IntegerField()
    free_from_cents = models.IntegerField(null=True)


class TaxRate(models.Model):
    country = models.CharField(max_length=2)
    region = models.CharField(max_length=10)
    tax_class = models.CharField(max_length=20)
    rate_bp = models.IntegerField()


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, default="pending")
    subtotal_cents = models.IntegerField()
    shipping_cents = models.IntegerField()
    tax_cents = models.IntegerField()
    total_cents = models.IntegerField()
    shipping_address = models.JSONField()
    shipping_method = models.ForeignKey(ShippingMethod, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT)
    name = models.CharField(max_length=200)
    quantity = models.IntegerField()
    price_at_purchase_cents = models.IntegerField()
    tax_cents = models.IntegerField()
