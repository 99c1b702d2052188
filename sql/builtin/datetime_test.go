package builtin

import (
	"testing"

	"github.com/eddysql/eddy/sql"
)

func ts(s string) arg   { return a(sql.Timestamp, s) }
func tstz(s string) arg { return a(sql.TimestampTZ, s) }
func dt(s string) arg   { return a(sql.Date, s) }
func iv(s string) arg   { return a(sql.Interval, s) }

// The test session zone is America/New_York and now() is
// 2024-03-15 12:30:45.123456 UTC.
func TestDatetime(t *testing.T) {
	tm := func(s string) arg { return a(sql.Time, s) }
	run(t, []tc{
		{"now", nil, "2024-03-15 08:30:45.123456-04"},
		{"current_timestamp", []arg{i4("2")}, "2024-03-15 08:30:45.12-04"},
		{"current_date", nil, "2024-03-15"},
		{"localtimestamp", nil, "2024-03-15 08:30:45.123456"},
		{"localtime", nil, "08:30:45.123456"},
		{"eddy_extract", []arg{txt("epoch"), ts("2020-01-01 00:00:05.5")}, "1577836805.500000"},
		{"eddy_extract", []arg{txt("second"), ts("2020-01-01 00:00:05.5")}, "5.500000"},
		{"eddy_extract", []arg{txt("millisecond"), ts("2020-01-01 00:00:05.5")}, "5500.000"},
		{"eddy_extract", []arg{txt("microseconds"), ts("2020-01-01 00:00:05.5")}, "5500000"},
		{"eddy_extract", []arg{txt("julian"), ts("2020-01-01 12:00")}, "2458850.50000000000000000000"},
		{"eddy_extract", []arg{txt("dow"), dt("2020-01-05")}, "0"},
		{"eddy_extract", []arg{txt("isodow"), dt("2020-01-05")}, "7"},
		{"eddy_extract", []arg{txt("epoch"), dt("2020-01-01")}, "1577836800"},
		{"eddy_extract", []arg{txt("julian"), dt("2020-01-01")}, "2458850"},
		{"eddy_extract", []arg{txt("week"), dt("2021-01-01")}, "53"},
		{"eddy_extract", []arg{txt("isoyear"), dt("2021-01-01")}, "2020"},
		{"eddy_extract", []arg{txt("century"), dt("2001-01-01")}, "21"},
		{"eddy_extract", []arg{txt("millennium"), dt("2000-12-31")}, "2"},
		{"eddy_extract", []arg{txt("decade"), dt("2019-05-05")}, "201"},
		{"eddy_extract", []arg{txt("quarter"), dt("2019-05-05")}, "2"},
		{"eddy_extract", []arg{txt("doy"), dt("2019-05-05")}, "125"},
		{"eddy_extract", []arg{txt("century"), dt("0001-12-31 BC")}, "-1"},
		{"eddy_extract", []arg{txt("year"), dt("0001-12-31 BC")}, "-1"},
		{"eddy_extract", []arg{txt("YEAR"), ts("2024-03-05 10:00")}, "2024"},
		{"eddy_extract", []arg{txt("hour"), dt("2020-01-01")}, "ERROR 0A000"},
		{"eddy_extract", []arg{txt("foo"), dt("2020-01-01")}, "ERROR 22023"},
		{"eddy_extract", []arg{txt("timezone"), ts("2020-01-01")}, "ERROR 0A000"},
		{"eddy_extract", []arg{txt("epoch"), iv("1 year 2 mons 3 days 04:05:06.5")}, "37015506.500000"},
		{"eddy_extract", []arg{txt("second"), iv("1 year 2 mons 3 days 04:05:06.5")}, "6.500000"},
		{"eddy_extract", []arg{txt("month"), iv("14 months")}, "2"},
		{"eddy_extract", []arg{txt("day"), iv("40 days")}, "40"},
		{"eddy_extract", []arg{txt("hour"), iv("-25 hours")}, "-25"},
		{"eddy_extract", []arg{txt("dow"), iv("1 day")}, "ERROR 0A000"},
		{"eddy_extract", []arg{txt("epoch"), tm("01:02:03.5")}, "3723.500000"},
		{"eddy_extract", []arg{txt("timezone"), tstz("2020-06-01 00:00")}, "-14400"},
		{"eddy_extract", []arg{txt("epoch"), tstz("2020-06-01 00:00")}, "1590984000.000000"},
		{"eddy_extract", []arg{txt("hour"), tstz("2020-06-01 00:00+00")}, "20"},
		{"eddy_extract", []arg{txt("epoch"), ts("infinity")}, "Infinity"},
		{"eddy_extract", []arg{txt("dow"), ts("infinity")}, "NULL"},
		{"date_part", []arg{txt("hour"), dt("2020-01-01")}, "0"},
		{"date_part", []arg{txt("second"), ts("2020-01-01 00:00:05.5")}, "5.5"},
		{"date_part", []arg{txt("hour"), iv("25 hours")}, "25"},
		{"date_trunc", []arg{txt("week"), ts("2024-03-07 10:00")}, "2024-03-04 00:00:00"},
		{"date_trunc", []arg{txt("day"), tstz("2024-03-10 12:00")}, "2024-03-10 00:00:00-05"},
		{"date_trunc", []arg{txt("hour"), tstz("2024-11-03 01:30-05")}, "2024-11-03 01:00:00-05"},
		{"date_trunc", []arg{txt("day"), tstz("2024-03-10 12:00"), txt("UTC")}, "2024-03-09 19:00:00-05"},
		{"date_trunc", []arg{txt("hour"), iv("1 day 03:04:05")}, "1 day 03:00:00"},
		{"date_trunc", []arg{txt("century"), ts("2024-03-07")}, "2001-01-01 00:00:00"},
		{"date_trunc", []arg{txt("decade"), ts("2024-03-07")}, "2020-01-01 00:00:00"},
		{"date_trunc", []arg{txt("decade"), ts("0005-01-01 BC")}, "0011-01-01 00:00:00 BC"},
		{"date_trunc", []arg{txt("month"), ts("2024-03-07 10:11:12")}, "2024-03-01 00:00:00"},
		{"date_trunc", []arg{txt("quarter"), ts("2024-05-07")}, "2024-04-01 00:00:00"},
		{"date_trunc", []arg{txt("milliseconds"), ts("2024-05-07 00:00:01.123456")}, "2024-05-07 00:00:01.123"},
		{"date_trunc", []arg{txt("foo"), ts("2024-05-07")}, "ERROR 22023"},
		{"date_trunc", []arg{txt("week"), iv("1 day")}, "ERROR 0A000"},
		{"age", []arg{ts("2024-03-05"), ts("2020-01-31 10:00")}, "4 years 1 mon 4 days 14:00:00"},
		{"age", []arg{ts("2020-01-31"), ts("2024-03-05 10:00")}, "-4 years -1 mons -5 days -10:00:00"},
		{"age", []arg{tstz("2024-03-05"), tstz("2020-01-31 10:00")}, "4 years 1 mon 4 days 14:00:00"},
		{"age", []arg{ts("2024-03-14")}, "1 day"},
		{"make_date", []arg{i4("-44"), i4("3"), i4("15")}, "0044-03-15 BC"},
		{"make_date", []arg{i4("2023"), i4("2"), i4("29")}, "ERROR 22008"},
		{"make_timestamp", []arg{i4("2020"), i4("1"), i4("2"), i4("3"), i4("4"), f8("5.5")}, "2020-01-02 03:04:05.5"},
		{"make_timestamptz", []arg{i4("2020"), i4("1"), i4("2"), i4("3"), i4("4"), f8("5.5")}, "2020-01-02 03:04:05.5-05"},
		{"make_time", []arg{i4("25"), i4("0"), f8("0")}, "ERROR 22008"},
		{"make_interval", []arg{i4("1"), i4("2"), i4("3"), i4("4"), i4("5"), i4("6"), f8("7.5")}, "1 year 2 mons 25 days 05:06:07.5"},
		{"make_interval", []arg{i4("0"), i4("0"), i4("0"), i4("10")}, "10 days"},
		{"to_timestamp", []arg{f8("0")}, "1969-12-31 19:00:00-05"},
		{"to_timestamp", []arg{f8("1.5")}, "1969-12-31 19:00:01.5-05"},
		{"to_timestamp", []arg{f8("Infinity")}, "infinity"},
		{"justify_days", []arg{iv("65 days")}, "2 mons 5 days"},
		{"justify_hours", []arg{iv("50 hours")}, "2 days 02:00:00"},
		{"justify_interval", []arg{iv("1 mon -1 hour")}, "29 days 23:00:00"},
		{"date_bin", []arg{iv("15 minutes"), ts("2020-02-11 15:44:17"), ts("2001-01-01")}, "2020-02-11 15:30:00"},
		{"date_bin", []arg{iv("1 day"), ts("2020-02-11 15:44:17"), ts("2001-01-01 01:00")}, "2020-02-11 01:00:00"},
		{"date_bin", []arg{iv("15 min"), ts("2000-01-01 00:00"), ts("2001-01-01")}, "2000-01-01 00:00:00"},
		{"date_bin", []arg{iv("1 mon"), ts("2000-01-01 00:00"), ts("2001-01-01")}, "ERROR 0A000"},
		{"isfinite", []arg{ts("infinity")}, "f"},
		{"isfinite", []arg{dt("2020-01-01")}, "t"},
	})
}
