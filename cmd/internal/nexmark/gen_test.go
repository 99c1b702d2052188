package nexmark

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

type bidRec struct {
	Auction, Bidder, Price int64
	Channel, URL, Extra    string
	DateTime               string `json:"date_time"`
}

type auctionRec struct {
	ID, Seller, Category, Reserve int64
	InitialBid                    int64  `json:"initial_bid"`
	ItemName                      string `json:"item_name"`
	DateTime                      string `json:"date_time"`
	Expires                       string
	Extra                         string
}

type personRec struct {
	ID                int64
	Name, City, State string
	Email             string `json:"email_address"`
	Card              string `json:"credit_card"`
	DateTime          string `json:"date_time"`
	Extra             string
}

func TestGeneratorModel(t *testing.T) {
	g := NewGenerator(7, DefaultBaseTime, 10_000)
	const n = 50_000
	var counts [3]int
	var sizes [3]int
	hotAuction, hotBidder, bids := 0, 0, 0
	lastTS := ""
	var buf []byte
	for i := int64(0); i < n; i++ {
		var k Kind
		k, buf = g.Append(buf[:0], i)
		counts[k]++
		sizes[k] += len(buf)
		var ts string
		switch k {
		case Person:
			var p personRec
			if err := json.Unmarshal(buf, &p); err != nil {
				t.Fatalf("event %d: %v: %s", i, err, buf)
			}
			if p.ID != i/50+1000 {
				t.Fatalf("person %d: id %d", i, p.ID)
			}
			ts = p.DateTime
		case Auction:
			var a auctionRec
			if err := json.Unmarshal(buf, &a); err != nil {
				t.Fatalf("event %d: %v: %s", i, err, buf)
			}
			if want := i/50*3 + i%50 - 1 + 1000; a.ID != want {
				t.Fatalf("auction %d: id %d, want %d", i, a.ID, want)
			}
			if a.Category < 10 || a.Category >= 15 || a.Reserve < a.InitialBid || a.InitialBid < 100 || a.InitialBid > 100_000_000 {
				t.Fatalf("auction %d: %s", i, buf)
			}
			if a.Expires <= a.DateTime {
				t.Fatalf("auction %d expires before it starts: %s", i, buf)
			}
			ts = a.DateTime
		case Bid:
			var b bidRec
			if err := json.Unmarshal(buf, &b); err != nil {
				t.Fatalf("event %d: %v: %s", i, err, buf)
			}
			bids++
			lastA := i/50*3 + 2
			if b.Auction == lastA/100*100+1000 {
				hotAuction++
			}
			if b.Bidder == (i/50)/100*100+1+1000 {
				hotBidder++
			}
			ts = b.DateTime
		}
		if ts < lastTS {
			t.Fatalf("event %d at %s, before %s", i, ts, lastTS)
		}
		lastTS = ts
	}
	if counts != [3]int{n / 50, n / 50 * 3, n / 50 * 46} {
		t.Errorf("counts %v", counts)
	}
	// 5 s of event time at 10,000 events/s.
	if want := DefaultBaseTime.Add(time.Duration(n-1) * 100 * time.Microsecond).Format("2006-01-02 15:04:05.000"); lastTS != want {
		t.Errorf("last event at %s, want %s", lastTS, want)
	}
	frac := func(a, b int) float64 { return float64(a) / float64(b) }
	if f := frac(hotAuction, bids); f < 0.48 || f > 0.56 {
		t.Errorf("hot auction share %.3f, want about 1/2", f)
	}
	if f := frac(hotBidder, bids); f < 0.73 || f > 0.78 {
		t.Errorf("hot bidder share %.3f, want about 3/4", f)
	}
	for k, avg := range []int{200, 500, 100} {
		// JSON adds field names to the reference's byte estimate, which
		// for bids also leaves out channel and url.
		if got := sizes[k] / counts[k]; got < avg || got > avg*3 {
			t.Errorf("%s average %d bytes, want a little over %d", Kind(k), got, avg)
		}
	}
}

func TestGeneratorDeterministic(t *testing.T) {
	a, b := NewGenerator(1, DefaultBaseTime, 10_000), NewGenerator(1, DefaultBaseTime, 10_000)
	c := NewGenerator(2, DefaultBaseTime, 10_000)
	same := 0
	for i := int64(0); i < 5000; i++ {
		_, x := a.Append(nil, i)
		_, y := b.Append(nil, 4999-i)
		_, y2 := b.Append(nil, i)
		_, z := c.Append(nil, i)
		if !bytes.Equal(x, y2) {
			t.Fatalf("event %d differs between runs:\n%s\n%s", i, x, y2)
		}
		_ = y
		if bytes.Equal(x, z) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d events equal under different seeds", same)
	}
}
