"""Category -> Product (ForeignKey, related_name="products"); Product <-> Resource through
ProductResource (the usage of a resource by one unit of a product, related_name="usages")."""

from __future__ import annotations

from django.db import models


class CategoryManager(models.Manager):
    """A custom manager (its class lives outside Django, as users' managers do)."""

    def premium(self) -> models.QuerySet:
        return self.filter(margin_factor__gt=1.0)


class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)
    margin_factor = models.FloatField(default=1.0)

    objects = CategoryManager()

    class Meta:
        app_label = "django_app"

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    name = models.CharField(max_length=50, unique=True)
    capacity = models.FloatField()

    class Meta:
        app_label = "django_app"

    def usage_by(self, product: Product) -> float:
        """Units of this resource one unit of ``product`` uses (reads ``usages``, prefetch it)."""
        return sum(u.amount for u in self.usages.all() if u.product_id == product.pk)

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=50)
    base_profit = models.FloatField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    resources = models.ManyToManyField(Resource, through="ProductResource", related_name="products")

    class Meta:
        app_label = "django_app"

    def usage_of(self, resource: Resource) -> float:
        """Units of ``resource`` one unit of this product uses (reads ``usages``, prefetch it)."""
        return sum(u.amount for u in self.usages.all() if u.resource_id == resource.pk)

    def __str__(self) -> str:
        return self.name


class ProductResource(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="usages")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="usages")
    amount = models.FloatField()

    class Meta:
        app_label = "django_app"
        constraints = [
            models.UniqueConstraint(fields=["product", "resource"], name="django_app_usage_unique")
        ]


MODELS = (Category, Resource, Product, ProductResource)  # creation order (drop in reverse)
