CREATE TABLE persons (id BIGINT PRIMARY KEY, name TEXT NOT NULL, email VARCHAR(100), city TEXT DEFAULT 'nowhere', created_at TIMESTAMP);
CREATE TABLE auctions (id BIGINT PRIMARY KEY, item_name TEXT NOT NULL, reserve NUMERIC(12,2) DEFAULT 0, seller BIGINT, category INTEGER NOT NULL DEFAULT 1, expires TIMESTAMPTZ);
CREATE TABLE bids (auction BIGINT NOT NULL, bidder BIGINT NOT NULL, price BIGINT NOT NULL, channel TEXT, url TEXT, date_time TIMESTAMP NOT NULL, PRIMARY KEY (auction, bidder, date_time));
CREATE TABLE notes (body TEXT, score DOUBLE PRECISION, flag BOOLEAN DEFAULT false);
CREATE VIEW v_high_bids AS SELECT auction, bidder, price FROM bids WHERE price > 1000;
CREATE MATERIALIZED VIEW mv_bid_counts AS SELECT auction, count(*) AS n, max(price) AS top FROM bids GROUP BY auction;
CREATE FUNCTION bid_fee(price bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT price / 10 $$;
CREATE INDEX mv_bid_counts_top ON mv_bid_counts (top, n);
CREATE FUNCTION bid_tax(price bigint) RETURNS bigint LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT (price / 5); END;
