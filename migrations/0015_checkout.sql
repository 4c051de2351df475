CREATE TABLE `addresses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`line1` text NOT NULL,
	`line2` text,
	`city` text NOT NULL,
	`region` text,
	`postal_code` text NOT NULL,
	`country` text NOT NULL,
	`phone` text,
	`is_default` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "addresses_country_format" CHECK(length("addresses"."country") = 2 AND "addresses"."country" = upper("addresses"."country"))
);
--> statement-breakpoint
CREATE INDEX `addresses_user_idx` ON `addresses` (`user_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `addresses_one_default` ON `addresses` (`user_id`) WHERE "addresses"."is_default" = 1;--> statement-breakpoint
CREATE TABLE `checkout_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`prices_include_tax` integer DEFAULT false NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT "checkout_settings_singleton" CHECK("checkout_settings"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `discount_redemptions` (
	`order_id` text NOT NULL,
	`discount_id` integer NOT NULL,
	`code` text,
	`title` text NOT NULL,
	`customer_key` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`released_at` integer,
	PRIMARY KEY(`order_id`, `discount_id`),
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`discount_id`) REFERENCES `discounts`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "discount_redemptions_amount_nonnegative" CHECK("discount_redemptions"."amount_cents" >= 0)
);
--> statement-breakpoint
CREATE INDEX `discount_redemptions_customer_idx` ON `discount_redemptions` (`discount_id`,`customer_key`);--> statement-breakpoint
CREATE TABLE `discounts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text,
	`title` text NOT NULL,
	`kind` text NOT NULL,
	`value` integer DEFAULT 0 NOT NULL,
	`min_subtotal_cents` integer,
	`product_ids` text DEFAULT '[]' NOT NULL,
	`category_ids` text DEFAULT '[]' NOT NULL,
	`starts_at` integer,
	`ends_at` integer,
	`usage_limit` integer,
	`per_customer_limit` integer,
	`times_used` integer DEFAULT 0 NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT "discounts_kind_known" CHECK("discounts"."kind" IN ('percentage', 'fixed', 'free_shipping')),
	CONSTRAINT "discounts_value_range" CHECK("discounts"."value" >= 0 AND ("discounts"."kind" <> 'percentage' OR "discounts"."value" BETWEEN 1 AND 10000)),
	CONSTRAINT "discounts_usage_within_limit" CHECK("discounts"."times_used" >= 0 AND ("discounts"."usage_limit" IS NULL OR "discounts"."times_used" <= "discounts"."usage_limit")),
	CONSTRAINT "discounts_dates_ordered" CHECK("discounts"."starts_at" IS NULL OR "discounts"."ends_at" IS NULL OR "discounts"."starts_at" < "discounts"."ends_at")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `discounts_code_unique` ON `discounts` (`code`);--> statement-breakpoint
CREATE TABLE `order_tax_lines` (
	`order_id` text NOT NULL,
	`position` integer NOT NULL,
	`name` text NOT NULL,
	`rate_bp` integer NOT NULL,
	`taxable_cents` integer NOT NULL,
	`amount_cents` integer NOT NULL,
	PRIMARY KEY(`order_id`, `position`),
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "order_tax_lines_amount_nonnegative" CHECK("order_tax_lines"."amount_cents" >= 0 AND "order_tax_lines"."taxable_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE `shipping_methods` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`zone_id` integer NOT NULL,
	`name` text NOT NULL,
	`estimate` text DEFAULT '' NOT NULL,
	`rate_kind` text DEFAULT 'flat' NOT NULL,
	`flat_cents` integer DEFAULT 0 NOT NULL,
	`bands` text DEFAULT '[]' NOT NULL,
	`free_above_cents` integer,
	`is_active` integer DEFAULT true NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`zone_id`) REFERENCES `shipping_zones`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "shipping_methods_name_length" CHECK(length("shipping_methods"."name") BETWEEN 1 AND 100),
	CONSTRAINT "shipping_methods_rate_kind_known" CHECK("shipping_methods"."rate_kind" IN ('flat', 'weight', 'subtotal')),
	CONSTRAINT "shipping_methods_flat_nonnegative" CHECK("shipping_methods"."flat_cents" >= 0),
	CONSTRAINT "shipping_methods_free_above_nonnegative" CHECK("shipping_methods"."free_above_cents" IS NULL OR "shipping_methods"."free_above_cents" >= 0)
);
--> statement-breakpoint
CREATE INDEX `shipping_methods_zone_idx` ON `shipping_methods` (`zone_id`,`position`);--> statement-breakpoint
CREATE TABLE `shipping_zone_areas` (
	`zone_id` integer NOT NULL,
	`country` text NOT NULL,
	`region` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`country`, `region`),
	FOREIGN KEY (`zone_id`) REFERENCES `shipping_zones`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "shipping_zone_areas_country_format" CHECK(length("shipping_zone_areas"."country") = 2 AND "shipping_zone_areas"."country" = upper("shipping_zone_areas"."country"))
);
--> statement-breakpoint
CREATE INDEX `shipping_zone_areas_zone_idx` ON `shipping_zone_areas` (`zone_id`);--> statement-breakpoint
CREATE TABLE `shipping_zones` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`shipping_taxable` integer DEFAULT false NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT "shipping_zones_name_length" CHECK(length("shipping_zones"."name") BETWEEN 1 AND 100)
);
--> statement-breakpoint
CREATE TABLE `tax_rates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`country` text NOT NULL,
	`region` text DEFAULT '' NOT NULL,
	`tax_class` text DEFAULT 'standard' NOT NULL,
	`rate_bp` integer NOT NULL,
	`name` text NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	CONSTRAINT "tax_rates_rate_range" CHECK("tax_rates"."rate_bp" BETWEEN 0 AND 10000),
	CONSTRAINT "tax_rates_class_known" CHECK("tax_rates"."tax_class" IN ('standard', 'reduced', 'zero')),
	CONSTRAINT "tax_rates_country_format" CHECK(length("tax_rates"."country") = 2 AND "tax_rates"."country" = upper("tax_rates"."country"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tax_rates_destination_class_unique` ON `tax_rates` (`country`,`region`,`tax_class`);--> statement-breakpoint
ALTER TABLE `carts` ADD `discount_code` text;--> statement-breakpoint
ALTER TABLE `carts` ADD `estimate_country` text;--> statement-breakpoint
ALTER TABLE `carts` ADD `estimate_region` text;--> statement-breakpoint
ALTER TABLE `order_items` ADD `discount_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `order_items` ADD `tax_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `order_items` ADD `tax_rate_bp` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `email` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `discount_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `shipping_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `shipping_discount_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `tax_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `tax_inclusive` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `shipping_method_id` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `shipping_method_name` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `shipping_weight_grams` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `products` ADD `tax_class` text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `is_guest` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- Hand-written from here: the settings row every store has (prices exclude tax until the merchant says otherwise), and orders placed before keep their buyer's email.
INSERT INTO `checkout_settings` (`id`, `prices_include_tax`) VALUES (1, 0);--> statement-breakpoint
UPDATE `orders` SET `email` = (SELECT `email` FROM `users` WHERE `users`.`id` = `orders`.`user_id`) WHERE `email` IS NULL;
