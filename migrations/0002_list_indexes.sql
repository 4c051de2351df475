DROP INDEX `products_active_created_idx`;--> statement-breakpoint
DROP INDEX `products_active_price_idx`;--> statement-breakpoint
DROP INDEX `products_active_name_idx`;--> statement-breakpoint
CREATE INDEX `products_list_newest_idx` ON `products` (`is_active`,`created_at`,`price_cents`,`stock_quantity`);--> statement-breakpoint
CREATE INDEX `products_list_price_idx` ON `products` (`is_active`,`price_cents`,`stock_quantity`);--> statement-breakpoint
CREATE INDEX `products_list_name_idx` ON `products` (`is_active`,`name`,`price_cents`,`stock_quantity`);