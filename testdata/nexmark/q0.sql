-- q0: pass-through of bids (measures reading and decoding).
CREATE MATERIALIZED VIEW q0 AS
SELECT auction, bidder, price, date_time, extra FROM bid;
