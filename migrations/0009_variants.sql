CREATE TABLE `product_option_values` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`option_id` integer NOT NULL,
	`value` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`option_id`) REFERENCES `product_options`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "product_option_values_value_length" CHECK(length("product_option_values"."value") BETWEEN 1 AND 100)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_option_values_option_value_unique` ON `product_option_values` (`option_id`,`value`);--> statement-breakpoint
CREATE UNIQUE INDEX `product_option_values_id_option_unique` ON `product_option_values` (`id`,`option_id`);--> statement-breakpoint
CREATE TABLE `product_options` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`product_id` integer NOT NULL,
	`name` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "product_options_name_length" CHECK(length("product_options"."name") BETWEEN 1 AND 100)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_options_product_name_unique` ON `product_options` (`product_id`,`name`);--> statement-breakpoint
CREATE TABLE `product_variants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`product_id` integer NOT NULL,
	`sku` text,
	`title` text NOT NULL,
	`price_cents` integer NOT NULL,
	`compare_at_cents` integer,
	`weight_grams` integer DEFAULT 0 NOT NULL,
	`image_id` integer,
	`is_active` integer DEFAULT true NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`stock_quantity` integer DEFAULT 0 NOT NULL,
	`stock_held` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`image_id`) REFERENCES `product_images`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "product_variants_sku_length" CHECK("product_variants"."sku" IS NULL OR length("product_variants"."sku") BETWEEN 1 AND 100),
	CONSTRAINT "product_variants_title_length" CHECK(length("product_variants"."title") BETWEEN 1 AND 300),
	CONSTRAINT "product_variants_price_nonnegative" CHECK("product_variants"."price_cents" >= 0),
	CONSTRAINT "product_variants_compare_at_above_price" CHECK("product_variants"."compare_at_cents" IS NULL OR "product_variants"."compare_at_cents" > "product_variants"."price_cents"),
	CONSTRAINT "product_variants_weight_nonnegative" CHECK("product_variants"."weight_grams" >= 0),
	CONSTRAINT "product_variants_stock_nonnegative" CHECK("product_variants"."stock_quantity" >= 0 AND "product_variants"."stock_held" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_variants_sku_unique` ON `product_variants` (`sku`);--> statement-breakpoint
CREATE INDEX `product_variants_product_idx` ON `product_variants` (`product_id`,`position`);--> statement-breakpoint
CREATE TABLE `variant_option_values` (
	`variant_id` integer NOT NULL,
	`option_id` integer NOT NULL,
	`option_value_id` integer NOT NULL,
	PRIMARY KEY(`variant_id`, `option_id`),
	FOREIGN KEY (`variant_id`) REFERENCES `product_variants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`option_value_id`,`option_id`) REFERENCES `product_option_values`(`id`,`option_id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `variant_option_values_value_idx` ON `variant_option_values` (`option_value_id`);--> statement-breakpoint
-- Hand-written from here. Every existing product gets its default variant, carrying its price and its
-- stock as the stock object last wrote them through (on hand and held): no unit made or lost.
INSERT INTO `product_variants` (`product_id`, `title`, `price_cents`, `is_active`, `position`, `stock_quantity`, `stock_held`)
	SELECT `id`, 'Default', `price_cents`, 1, 0, `stock_quantity`, `stock_held` FROM `products`;
--> statement-breakpoint
-- Every product is sold through variants: whoever inserts a product (the admin, the seed, a test, a
-- script) gets its default variant with it, so no writer can forget it.
CREATE TRIGGER `product_variants_default_after_insert` AFTER INSERT ON `products` BEGIN
	INSERT INTO product_variants (product_id, title, price_cents, is_active, position, stock_quantity, stock_held)
		VALUES (new.id, 'Default', new.price_cents, 1, 0, new.stock_quantity, new.stock_held);
END;
--> statement-breakpoint
-- A product with one variant keeps it in step with its own price and stock, so the writers that know only
-- products (admin price edits, the stock write-through of the default level) stay right. A compare-at
-- price the new price reaches is dropped rather than refusing the product's update.
CREATE TRIGGER `product_variants_single_after_update` AFTER UPDATE OF price_cents, stock_quantity, stock_held ON `products`
WHEN (SELECT count(*) FROM product_variants WHERE product_id = new.id) = 1 BEGIN
	UPDATE product_variants SET price_cents = new.price_cents, stock_quantity = new.stock_quantity, stock_held = new.stock_held,
		compare_at_cents = CASE WHEN compare_at_cents > new.price_cents THEN compare_at_cents END
		WHERE product_id = new.id;
END;
--> statement-breakpoint
-- A variant's image is one of its own product's images (a foreign key alone would accept any product's).
CREATE TRIGGER `product_variants_image_check_insert` BEFORE INSERT ON `product_variants`
WHEN new.image_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM product_images WHERE id = new.image_id AND product_id = new.product_id) BEGIN
	SELECT RAISE(ABORT, 'product_variants.image_id is not an image of the product');
END;
--> statement-breakpoint
CREATE TRIGGER `product_variants_image_check_update` BEFORE UPDATE OF image_id, product_id ON `product_variants`
WHEN new.image_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM product_images WHERE id = new.image_id AND product_id = new.product_id) BEGIN
	SELECT RAISE(ABORT, 'product_variants.image_id is not an image of the product');
END;
