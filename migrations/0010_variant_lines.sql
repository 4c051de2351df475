PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_refund_items` (
	`refund_id` text NOT NULL,
	`order_id` text NOT NULL,
	`product_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`quantity` integer NOT NULL,
	PRIMARY KEY(`refund_id`, `variant_id`),
	FOREIGN KEY (`refund_id`) REFERENCES `refunds`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "refund_items_quantity_positive" CHECK("__new_refund_items"."quantity" >= 1)
);
--> statement-breakpoint
INSERT INTO `__new_refund_items`("refund_id", "order_id", "product_id", "variant_id", "quantity") SELECT ri.`refund_id`, ri.`order_id`, ri.`product_id`, coalesce((SELECT v.`id` FROM `product_variants` v WHERE v.`product_id` = ri.`product_id` ORDER BY v.`position`, v.`id` LIMIT 1), -ri.`product_id`), ri.`quantity` FROM `refund_items` ri;--> statement-breakpoint
DROP TABLE `refund_items`;--> statement-breakpoint
ALTER TABLE `__new_refund_items` RENAME TO `refund_items`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `refund_items_order_idx` ON `refund_items` (`order_id`,`variant_id`);--> statement-breakpoint
CREATE TABLE `__new_cart_items` (
	`cart_id` integer NOT NULL,
	`product_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`quantity` integer NOT NULL,
	`added_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`cart_id`, `variant_id`),
	FOREIGN KEY (`cart_id`) REFERENCES `carts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "cart_items_quantity_range" CHECK("__new_cart_items"."quantity" BETWEEN 1 AND 99)
);
--> statement-breakpoint
INSERT INTO `__new_cart_items`("cart_id", "product_id", "variant_id", "quantity", "added_at") SELECT ci.`cart_id`, ci.`product_id`, coalesce((SELECT v.`id` FROM `product_variants` v WHERE v.`product_id` = ci.`product_id` ORDER BY v.`position`, v.`id` LIMIT 1), -ci.`product_id`), ci.`quantity`, ci.`added_at` FROM `cart_items` ci;--> statement-breakpoint
DROP TABLE `cart_items`;--> statement-breakpoint
ALTER TABLE `__new_cart_items` RENAME TO `cart_items`;--> statement-breakpoint
CREATE TABLE `__new_order_items` (
	`order_id` text NOT NULL,
	`product_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`product_name` text NOT NULL,
	`sku` text,
	`variant_title` text DEFAULT 'Default' NOT NULL,
	`option_values` text DEFAULT '[]' NOT NULL,
	`price_at_purchase_cents` integer NOT NULL,
	`quantity` integer NOT NULL,
	`line_total_cents` integer NOT NULL,
	`reservation_id` text NOT NULL,
	PRIMARY KEY(`order_id`, `variant_id`),
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "order_items_quantity_positive" CHECK("__new_order_items"."quantity" >= 1),
	CONSTRAINT "order_items_price_nonnegative" CHECK("__new_order_items"."price_at_purchase_cents" >= 0),
	CONSTRAINT "order_items_line_total" CHECK("__new_order_items"."line_total_cents" = "__new_order_items"."price_at_purchase_cents" * "__new_order_items"."quantity")
);
--> statement-breakpoint
INSERT INTO `__new_order_items`("order_id", "product_id", "variant_id", "product_name", "sku", "variant_title", "option_values", "price_at_purchase_cents", "quantity", "line_total_cents", "reservation_id") SELECT oi.`order_id`, oi.`product_id`, coalesce((SELECT v.`id` FROM `product_variants` v WHERE v.`product_id` = oi.`product_id` ORDER BY v.`position`, v.`id` LIMIT 1), -oi.`product_id`), oi.`product_name`, NULL, 'Default', '[]', oi.`price_at_purchase_cents`, oi.`quantity`, oi.`line_total_cents`, oi.`reservation_id` FROM `order_items` oi;--> statement-breakpoint
DROP TABLE `order_items`;--> statement-breakpoint
ALTER TABLE `__new_order_items` RENAME TO `order_items`;--> statement-breakpoint
CREATE INDEX `order_items_order_product_idx` ON `order_items` (`order_id`,`product_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `order_items_reservation_unique` ON `order_items` (`reservation_id`);
-- Hand-written from here. The three table copies above are drizzle-kit's with their SELECTs corrected by
-- hand (regenerating must keep them): drizzle copies the new columns from the old tables, which have none.
-- Every existing line (cart, order, refund) is of its product's default variant, its first by position
-- (every product had exactly one, migration 0009), and a line of a product deleted before then has no variant
-- and keeps `variant_id = -product_id`, unique within its cart, order or refund as its product was. Order
-- lines bought before variants carry the title 'Default', no SKU and no option values.
