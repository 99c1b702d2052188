-- q11: user sessions, bids per bidder per session (a session ends after 10 s
-- without a bid). eddy has no SESSION window, so sessions are numbered with
-- window functions (a bid starts a session unless the bidder's previous bid
-- is less than 10 s before it, as Flink's session windows merge).
CREATE MATERIALIZED VIEW q11 AS
SELECT bidder, count(*) AS bid_count, min(date_time) AS starttime,
       max(date_time) + INTERVAL '10 seconds' AS endtime
FROM (
  SELECT bidder, date_time,
         sum(new_session) OVER (PARTITION BY bidder ORDER BY date_time) AS session
  FROM (
    SELECT bidder, date_time,
           CASE WHEN lag(date_time) OVER (PARTITION BY bidder ORDER BY date_time) > date_time - INTERVAL '10 seconds'
                THEN 0 ELSE 1 END AS new_session
    FROM bid
  ) s
) t
GROUP BY bidder, session;
