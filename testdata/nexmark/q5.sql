-- q5: hot items, the auctions with the most bids in each 10 s window sliding by 2 s.
CREATE MATERIALIZED VIEW q5 AS
SELECT ab.auction, ab.num, ab.window_start, ab.window_end
FROM (
  SELECT auction, count(*) AS num, window_start, window_end
  FROM HOP(bid, date_time, INTERVAL '2 seconds', INTERVAL '10 seconds')
  GROUP BY auction, window_start, window_end
) ab
JOIN (
  SELECT max(cb.num) AS maxn, cb.window_start, cb.window_end
  FROM (
    SELECT count(*) AS num, window_start, window_end
    FROM HOP(bid, date_time, INTERVAL '2 seconds', INTERVAL '10 seconds')
    GROUP BY auction, window_start, window_end
  ) cb
  GROUP BY cb.window_start, cb.window_end
) mb ON ab.window_start = mb.window_start AND ab.window_end = mb.window_end
WHERE ab.num >= mb.maxn;
