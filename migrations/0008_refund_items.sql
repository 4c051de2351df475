CREATE TABLE `refund_items` (
	`refund_id` text NOT NULL,
	`order_id` text NOT NULL,
	`product_id` integer NOT NULL,
	`quantity` integer NOT NULL,
	PRIMARY KEY(`refund_id`, `product_id`),
	FOREIGN KEY (`refund_id`) REFERENCES `refunds`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "refund_items_quantity_positive" CHECK("refund_items"."quantity" >= 1)
);
--> statement-breakpoint
CREATE INDEX `refund_items_order_idx` ON `refund_items` (`order_id`,`product_id`);