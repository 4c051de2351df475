CREATE TABLE `catalog_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
DROP INDEX `products_list_newest_idx`;--> statement-breakpoint
DROP INDEX `products_list_price_idx`;--> statement-breakpoint
DROP INDEX `products_list_name_idx`;--> statement-breakpoint
ALTER TABLE `products` ADD `stock_held` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `products_list_newest_idx` ON `products` (`is_active`,`created_at`,`price_cents`,`stock_quantity`,`stock_held`);--> statement-breakpoint
CREATE INDEX `products_list_price_idx` ON `products` (`is_active`,`price_cents`,`stock_quantity`,`stock_held`);--> statement-breakpoint
CREATE INDEX `products_list_name_idx` ON `products` (`is_active`,`name`,`price_cents`,`stock_quantity`,`stock_held`);