"""`manage.py check_sale --variant V --stock S`: the flash sale's outcome as JSON (orders, units sold, stock left)."""
import json

from django.core.management.base import BaseCommand
from django.db.models import Sum

from shop.models import Order, OrderItem, Variant


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--variant", type=int, required=True)

    def handle(self, *args, variant, **options):
        sold = OrderItem.objects.filter(variant_id=variant).aggregate(units=Sum("quantity"))["units"] or 0
        ids = [str(i) for i in Order.objects.values_list("id", flat=True)]
        left = Variant.objects.get(id=variant).stock_quantity
        self.stdout.write(json.dumps({"orders": ids, "sold": sold, "left": left}))
