-- q18: the latest bid of each bidder on each auction. Bids in the same
-- millisecond are common, so eddy breaks ties (price, then extra) to make the
-- answer one; Flink keeps whichever arrived last.
CREATE MATERIALIZED VIEW q18 AS
SELECT auction, bidder, price, channel, url, date_time, extra
FROM (
  SELECT *, row_number() OVER (PARTITION BY bidder, auction ORDER BY date_time DESC, price DESC, extra) AS rank_number
  FROM bid
) b
WHERE rank_number <= 1;
