-- q19: the 10 highest bids of each auction (ties broken by time, bidder and
-- extra, so that the answer is one).
CREATE MATERIALIZED VIEW q19 AS
SELECT auction, bidder, price, channel, url, date_time, extra, rank_number
FROM (
  SELECT *, row_number() OVER (PARTITION BY auction ORDER BY price DESC, date_time, bidder, extra) AS rank_number
  FROM bid
) b
WHERE rank_number <= 10;
