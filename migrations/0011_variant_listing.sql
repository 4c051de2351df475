DROP INDEX `products_list_newest_idx`;--> statement-breakpoint
DROP INDEX `products_list_price_idx`;--> statement-breakpoint
DROP INDEX `products_list_name_idx`;--> statement-breakpoint
ALTER TABLE `products` ADD `price_max_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `products` ADD `compare_at_max_cents` integer;--> statement-breakpoint
ALTER TABLE `products` ADD `available_units` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `products_list_newest_idx` ON `products` (`is_active`,`created_at`,`price_cents`,`available_units`);--> statement-breakpoint
CREATE INDEX `products_list_price_idx` ON `products` (`is_active`,`price_cents`,`available_units`);--> statement-breakpoint
CREATE INDEX `products_list_name_idx` ON `products` (`is_active`,`name`,`price_cents`,`available_units`);--> statement-breakpoint
-- Hand-written from here. A product's row carries what its list item shows of its variants, so that a list
-- page stays one statement over products (and its indexes): the lowest active price as price_cents (the
-- "from" price the price filters and sort use), the highest as price_max_cents, the highest compare-at
-- price, the units its active variants sell (available_units), and the sums of every variant's on hand and
-- held (what the stock write-through writes too). Without an active variant the prices are those of all
-- its variants. Existing products first:
UPDATE products SET price_cents = coalesce(v.active_min, v.any_min, products.price_cents), price_max_cents = coalesce(v.active_max, v.any_max, products.price_cents),
	compare_at_max_cents = v.compare_at_max, available_units = v.available, stock_quantity = v.on_hand, stock_held = v.held
FROM (SELECT product_id, min(CASE WHEN is_active THEN price_cents END) AS active_min, min(price_cents) AS any_min,
		max(CASE WHEN is_active THEN price_cents END) AS active_max, max(price_cents) AS any_max,
		max(CASE WHEN is_active THEN compare_at_cents END) AS compare_at_max,
		coalesce(sum(CASE WHEN is_active THEN max(stock_quantity - stock_held, 0) END), 0) AS available,
		sum(stock_quantity) AS on_hand, sum(stock_held) AS held
	FROM product_variants GROUP BY product_id) AS v
WHERE products.id = v.product_id;
--> statement-breakpoint
-- Then every change of a variant (any writer: admin, stock write-through, seed, import) refreshes its product.
-- The UPDATE writes only when a figure differs: with SQLite's recursive_triggers off, the chain this can start
-- (products' single-variant trigger writing the variant back, with the very values it has) ends there, and a
-- write-through that changes nothing of the listing writes the product once, as before.
CREATE TRIGGER `product_variants_listing_after_insert` AFTER INSERT ON `product_variants` BEGIN
	UPDATE products SET price_cents = coalesce(v.active_min, v.any_min, products.price_cents), price_max_cents = coalesce(v.active_max, v.any_max, products.price_cents),
		compare_at_max_cents = v.compare_at_max, available_units = v.available, stock_quantity = v.on_hand, stock_held = v.held
	FROM (SELECT min(CASE WHEN is_active THEN price_cents END) AS active_min, min(price_cents) AS any_min,
			max(CASE WHEN is_active THEN price_cents END) AS active_max, max(price_cents) AS any_max,
			max(CASE WHEN is_active THEN compare_at_cents END) AS compare_at_max,
			coalesce(sum(CASE WHEN is_active THEN max(stock_quantity - stock_held, 0) END), 0) AS available,
			coalesce(sum(stock_quantity), 0) AS on_hand, coalesce(sum(stock_held), 0) AS held
		FROM product_variants WHERE product_id = new.product_id) AS v
	WHERE products.id = new.product_id AND (products.price_cents IS NOT coalesce(v.active_min, v.any_min, products.price_cents)
		OR products.price_max_cents IS NOT coalesce(v.active_max, v.any_max, products.price_cents) OR products.compare_at_max_cents IS NOT v.compare_at_max
		OR products.available_units IS NOT v.available OR products.stock_quantity IS NOT v.on_hand OR products.stock_held IS NOT v.held);
END;
--> statement-breakpoint
CREATE TRIGGER `product_variants_listing_after_update` AFTER UPDATE OF price_cents, compare_at_cents, is_active, stock_quantity, stock_held ON `product_variants` BEGIN
	UPDATE products SET price_cents = coalesce(v.active_min, v.any_min, products.price_cents), price_max_cents = coalesce(v.active_max, v.any_max, products.price_cents),
		compare_at_max_cents = v.compare_at_max, available_units = v.available, stock_quantity = v.on_hand, stock_held = v.held
	FROM (SELECT min(CASE WHEN is_active THEN price_cents END) AS active_min, min(price_cents) AS any_min,
			max(CASE WHEN is_active THEN price_cents END) AS active_max, max(price_cents) AS any_max,
			max(CASE WHEN is_active THEN compare_at_cents END) AS compare_at_max,
			coalesce(sum(CASE WHEN is_active THEN max(stock_quantity - stock_held, 0) END), 0) AS available,
			coalesce(sum(stock_quantity), 0) AS on_hand, coalesce(sum(stock_held), 0) AS held
		FROM product_variants WHERE product_id = new.product_id) AS v
	WHERE products.id = new.product_id AND (products.price_cents IS NOT coalesce(v.active_min, v.any_min, products.price_cents)
		OR products.price_max_cents IS NOT coalesce(v.active_max, v.any_max, products.price_cents) OR products.compare_at_max_cents IS NOT v.compare_at_max
		OR products.available_units IS NOT v.available OR products.stock_quantity IS NOT v.on_hand OR products.stock_held IS NOT v.held);
END;
--> statement-breakpoint
CREATE TRIGGER `product_variants_listing_after_delete` AFTER DELETE ON `product_variants` BEGIN
	UPDATE products SET price_cents = coalesce(v.active_min, v.any_min, products.price_cents), price_max_cents = coalesce(v.active_max, v.any_max, products.price_cents),
		compare_at_max_cents = v.compare_at_max, available_units = v.available, stock_quantity = v.on_hand, stock_held = v.held
	FROM (SELECT min(CASE WHEN is_active THEN price_cents END) AS active_min, min(price_cents) AS any_min,
			max(CASE WHEN is_active THEN price_cents END) AS active_max, max(price_cents) AS any_max,
			max(CASE WHEN is_active THEN compare_at_cents END) AS compare_at_max,
			coalesce(sum(CASE WHEN is_active THEN max(stock_quantity - stock_held, 0) END), 0) AS available,
			coalesce(sum(stock_quantity), 0) AS on_hand, coalesce(sum(stock_held), 0) AS held
		FROM product_variants WHERE product_id = old.product_id) AS v
	WHERE products.id = old.product_id AND (products.price_cents IS NOT coalesce(v.active_min, v.any_min, products.price_cents)
		OR products.price_max_cents IS NOT coalesce(v.active_max, v.any_max, products.price_cents) OR products.compare_at_max_cents IS NOT v.compare_at_max
		OR products.available_units IS NOT v.available OR products.stock_quantity IS NOT v.on_hand OR products.stock_held IS NOT v.held);
END;
