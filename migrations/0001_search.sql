-- Full-text search over products' name and description (FTS5, external content).
-- The triggers keep the index in step with every write to products; queries rank with bm25().
CREATE VIRTUAL TABLE `products_fts` USING fts5(
	name,
	description,
	content='products',
	content_rowid='id',
	tokenize='unicode61 remove_diacritics 2',
	prefix='2 3'
);
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_insert` AFTER INSERT ON `products` BEGIN
	INSERT INTO products_fts(rowid, name, description) VALUES (new.id, new.name, new.description);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_delete` AFTER DELETE ON `products` BEGIN
	INSERT INTO products_fts(products_fts, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
END;
--> statement-breakpoint
CREATE TRIGGER `products_fts_after_update` AFTER UPDATE OF name, description ON `products` BEGIN
	INSERT INTO products_fts(products_fts, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
	INSERT INTO products_fts(rowid, name, description) VALUES (new.id, new.name, new.description);
END;
--> statement-breakpoint
-- Any change to a product that does not set updated_at itself still moves it.
CREATE TRIGGER `products_touch_updated_at` AFTER UPDATE ON `products`
WHEN new.updated_at = old.updated_at BEGIN
	UPDATE products SET updated_at = cast(unixepoch('subsec') * 1000 as integer) WHERE id = new.id;
END;
