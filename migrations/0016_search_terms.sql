CREATE INDEX `product_variants_sku_lower_idx` ON `product_variants` (lower("sku"));--> statement-breakpoint
-- Hand-written from here: the words of the search index with the number of products holding each (FTS5's
-- own vocabulary, always current), for correcting a misspelt search (src/catalog/search.ts).
CREATE VIRTUAL TABLE `products_fts_vocab` USING fts5vocab('products_fts', 'row');
