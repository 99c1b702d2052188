-- The Nexmark sources: one JSON record per event, as `eddy nexmark gen` writes them.
CREATE SOURCE person (id BIGINT, name TEXT, email_address TEXT, credit_card TEXT, city TEXT, state TEXT,
    date_time TIMESTAMP, extra TEXT,
    WATERMARK FOR date_time AS date_time - INTERVAL '4 seconds')
  WITH (topic = 'person', format = 'json', start = 'earliest');
CREATE SOURCE auction (id BIGINT, item_name TEXT, description TEXT, initial_bid BIGINT, reserve BIGINT,
    date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra TEXT,
    WATERMARK FOR date_time AS date_time - INTERVAL '4 seconds')
  WITH (topic = 'auction', format = 'json', start = 'earliest');
CREATE SOURCE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT,
    date_time TIMESTAMP, extra TEXT,
    WATERMARK FOR date_time AS date_time - INTERVAL '4 seconds')
  WITH (topic = 'bid', format = 'json', start = 'earliest');
