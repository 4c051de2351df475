-- What an order's total is computed from besides its lines moves a version on every write (src/db/schema.ts checkoutState):
-- the checkout config's tables, and discounts (but their use count, which every order moves and the order's own batch checks).
CREATE TABLE `checkout_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`config_version` integer DEFAULT 0 NOT NULL,
	`discounts_version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- The one row, at version 0: the triggers below only ever update it.
INSERT INTO `checkout_state` (`id`, `config_version`, `discounts_version`) VALUES (1, 0, 0);
--> statement-breakpoint
CREATE TRIGGER `checkout_settings_bump_config_insert` AFTER INSERT ON `checkout_settings`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `checkout_settings_bump_config_update` AFTER UPDATE ON `checkout_settings`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `checkout_settings_bump_config_delete` AFTER DELETE ON `checkout_settings`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_zones_bump_config_insert` AFTER INSERT ON `shipping_zones`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_zones_bump_config_update` AFTER UPDATE ON `shipping_zones`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_zones_bump_config_delete` AFTER DELETE ON `shipping_zones`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_zone_areas_bump_config_insert` AFTER INSERT ON `shipping_zone_areas`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_zone_areas_bump_config_update` AFTER UPDATE ON `shipping_zone_areas`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_zone_areas_bump_config_delete` AFTER DELETE ON `shipping_zone_areas`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_methods_bump_config_insert` AFTER INSERT ON `shipping_methods`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_methods_bump_config_update` AFTER UPDATE ON `shipping_methods`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `shipping_methods_bump_config_delete` AFTER DELETE ON `shipping_methods`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tax_rates_bump_config_insert` AFTER INSERT ON `tax_rates`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tax_rates_bump_config_update` AFTER UPDATE ON `tax_rates`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `tax_rates_bump_config_delete` AFTER DELETE ON `tax_rates`
BEGIN
	UPDATE `checkout_state` SET `config_version` = `config_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `discounts_bump_version_insert` AFTER INSERT ON `discounts`
BEGIN
	UPDATE `checkout_state` SET `discounts_version` = `discounts_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `discounts_bump_version_delete` AFTER DELETE ON `discounts`
BEGIN
	UPDATE `checkout_state` SET `discounts_version` = `discounts_version` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `discounts_bump_version_update` AFTER UPDATE OF `code`, `title`, `kind`, `value`, `min_subtotal_cents`, `product_ids`, `category_ids`, `starts_at`, `ends_at`, `usage_limit`, `per_customer_limit`, `is_active` ON `discounts`
BEGIN
	UPDATE `checkout_state` SET `discounts_version` = `discounts_version` + 1 WHERE `id` = 1;
END;
