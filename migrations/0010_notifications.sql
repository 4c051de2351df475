CREATE TABLE `back_in_stock_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`product_id` integer NOT NULL,
	`variant_id` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`variant_id`) REFERENCES `product_variants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `back_in_stock_product_unique` ON `back_in_stock_requests` (`email`,`product_id`) WHERE variant_id is null;--> statement-breakpoint
CREATE UNIQUE INDEX `back_in_stock_variant_unique` ON `back_in_stock_requests` (`email`,`variant_id`) WHERE variant_id is not null;--> statement-breakpoint
CREATE INDEX `back_in_stock_product_idx` ON `back_in_stock_requests` (`product_id`);--> statement-breakpoint
CREATE TABLE `dev_mailbox` (
	`id` text PRIMARY KEY NOT NULL,
	`recipient` text NOT NULL,
	`subject` text NOT NULL,
	`html` text NOT NULL,
	`text` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `marketing_opt_outs` (
	`email` text PRIMARY KEY NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`recipient` text,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`sent_at` integer,
	CONSTRAINT "outbox_state_known" CHECK("outbox"."state" IN ('pending', 'sent', 'failed', 'dead'))
);
--> statement-breakpoint
CREATE INDEX `outbox_state_idx` ON `outbox` (`state`,`created_at`);