// Package nexmark generates the Nexmark benchmark's events (people,
// auctions and bids of an online auction house) as JSON records for Kafka,
// and runs the benchmark's queries against eddy.
//
// The generator follows the reference generators (nexmark/nexmark's Flink
// generator, Beam's original; see ../shared/nexmark/SPEC.md): event n is a
// person, an auction or a bid by n % 50, ids grow with n, and the random
// choices of event n come from a generator seeded with (seed, n). So the
// stream is a pure function of the seed and the event number: the same
// seed gives the same stream, and any range of it can be produced alone.
//
// Event time is not wall time: event n is at BaseTime + n/EventRate.
package nexmark

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"time"
)

// The model's constants, as in the reference generators.
const (
	firstPersonID   = 1000
	firstAuctionID  = 1000
	firstCategoryID = 10
	numCategories   = 5

	personProportion  = 1
	auctionProportion = 3
	bidProportion     = 46
	totalProportion   = personProportion + auctionProportion + bidProportion

	numActivePeople     = 1000
	numInFlightAuctions = 100
	personIDLead        = 10
	auctionIDLead       = 10

	// A bid is for a hot auction with probability 1 - 1/hotAuctionRatio,
	// by a hot bidder with 1 - 1/hotBiddersRatio; an auction has a hot
	// seller with 1 - 1/hotSellersRatio. Hot ones are the first (for
	// bidders the second) of each hundred.
	hotAuctionRatio = 2
	hotBiddersRatio = 4
	hotSellersRatio = 4
	hotBatch        = 100

	hotChannelsRatio = 2
	channelsNumber   = 10_000

	avgPersonBytes  = 200
	avgAuctionBytes = 500
	avgBidBytes     = 100
)

var (
	usStates    = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities    = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames  = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames   = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	hotChannels = []string{"Google", "Facebook", "Baidu", "Apple"}
)

// DefaultBaseTime is the event time of event 0 unless told otherwise: a
// fixed instant, so that a seed alone fixes the stream.
var DefaultBaseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Kind is the kind of an event, which is also its topic.
type Kind int

const (
	Person Kind = iota
	Auction
	Bid
)

// Topics are the topics of the kinds, in Kind order.
var Topics = [...]string{"person", "auction", "bid"}

func (k Kind) String() string { return Topics[k] }

// KindOf is the kind of event n.
func KindOf(n int64) Kind {
	switch o := n % totalProportion; {
	case o < personProportion:
		return Person
	case o < personProportion+auctionProportion:
		return Auction
	}
	return Bid
}

// Generator makes events. It is not safe for concurrent use; generators
// with the same configuration make the same events.
type Generator struct {
	seed     uint64
	baseMs   int64
	delayUs  float64
	pcg      rand.PCG
	r        *rand.Rand
	hotURLs  [4]string
	chanURLs []string // by channel number, made on first use
}

// NewGenerator returns a generator for seed, with event 0 at base and
// eventRate events per second of event time (the reference default is
// 10,000).
func NewGenerator(seed uint64, base time.Time, eventRate float64) *Generator {
	if eventRate <= 0 {
		eventRate = 10_000
	}
	g := &Generator{seed: seed, baseMs: base.UnixMilli(), delayUs: 1e6 / eventRate, chanURLs: make([]string, channelsNumber)}
	g.r = rand.New(&g.pcg)
	for i := range g.hotURLs {
		g.reseed(streamHotURL, uint64(i))
		g.hotURLs[i] = g.baseURL()
	}
	return g
}

// Random streams other than the events' own (which use the event number,
// always below 2^62).
const (
	streamHotURL  = 1 << 62
	streamChannel = 1<<62 + 1<<32
)

func (g *Generator) reseed(stream, n uint64) {
	g.pcg.Seed(g.seed, stream+n)
}

// timestamp is event n's event time in Unix milliseconds.
func (g *Generator) timestamp(n int64) int64 {
	return g.baseMs + int64(float64(n)*g.delayUs)/1000
}

// lastPerson is the id (base 0) of the last person created at event n, or
// of the person event n creates.
func lastPerson(n int64) int64 {
	epoch, off := n/totalProportion, n%totalProportion
	if off >= personProportion {
		off = personProportion - 1
	}
	return epoch*personProportion + off
}

// lastAuction is the same for auctions; -1 before the first.
func lastAuction(n int64) int64 {
	epoch, off := n/totalProportion, n%totalProportion
	switch {
	case off < personProportion:
		epoch--
		off = auctionProportion - 1
	case off >= personProportion+auctionProportion:
		off = auctionProportion - 1
	default:
		off -= personProportion
	}
	return epoch*auctionProportion + off
}

// randomPerson picks one of the active people, or one of a few not yet
// created (base 0).
func (g *Generator) randomPerson(n int64) int64 {
	people := lastPerson(n) + 1
	active := min(people, numActivePeople)
	return people - active + g.r.Int64N(active+personIDLead)
}

// randomAuction picks an auction likely still in flight, or one of a few
// not yet created (base 0).
func (g *Generator) randomAuction(n int64) int64 {
	last := lastAuction(n)
	lo := max(last-numInFlightAuctions, 0)
	return lo + g.r.Int64N(last-lo+1+auctionIDLead)
}

// price is log-uniform in [100, 1e8].
func (g *Generator) price() int64 {
	return int64(math.Round(math.Pow(10, g.r.Float64()*6) * 100))
}

// appendString appends a random string of 3 to max-1 letters, with sep 1
// time in 13, trimmed of sep at both ends.
func (g *Generator) appendString(b []byte, max int, sep byte) []byte {
	n := 3 + g.r.IntN(max-3)
	start := len(b)
	for range n {
		if g.r.IntN(13) == 0 {
			b = append(b, sep)
		} else {
			b = append(b, byte('a'+g.r.IntN(26)))
		}
	}
	s := b[start:]
	i, j := 0, len(s)
	for i < j && s[i] == sep {
		i++
	}
	for j > i && s[j-1] == sep {
		j--
	}
	copy(s, s[i:j])
	return b[:start+j-i]
}

// appendExtra appends letters that bring an event of size current to
// avg bytes on average (+-20%).
func (g *Generator) appendExtra(b []byte, current, avg int) []byte {
	if current > avg {
		return b
	}
	avg -= current
	delta := int(math.Round(float64(avg) * 0.2))
	size := avg - delta
	if delta > 0 {
		size += g.r.IntN(2 * delta)
	}
	for range size {
		b = append(b, byte('a'+g.r.IntN(26)))
	}
	return b
}

func (g *Generator) baseURL() string {
	b := []byte("https://www.nexmark.com/")
	for range 3 {
		b = g.appendString(b, 5, '_')
		b = append(b, '/')
	}
	return string(append(b, "item.htm?query=1"...))
}

// channelURL is the fixed url of channel i: a random base url, with
// &channel_id= and the channel's bits reversed 9 times in 10.
func (g *Generator) channelURL(i int) string {
	if u := g.chanURLs[i]; u != "" {
		return u
	}
	var saved rand.PCG = g.pcg
	g.reseed(streamChannel, uint64(i))
	u := g.baseURL()
	if g.r.IntN(10) > 0 {
		// Java's Math.abs(Integer.reverse(i)), overflow included.
		id := int32(bits.Reverse32(uint32(i)))
		if id < 0 {
			id = -id
		}
		u += "&channel_id=" + strconv.Itoa(int(id))
	}
	g.pcg = saved
	g.chanURLs[i] = u
	return u
}

// Append appends event n as a JSON object to b and returns its kind.
func (g *Generator) Append(b []byte, n int64) (Kind, []byte) {
	g.reseed(0, uint64(n))
	ts := g.timestamp(n)
	switch KindOf(n) {
	case Person:
		return Person, g.person(b, n, ts)
	case Auction:
		return Auction, g.auction(b, n, ts)
	}
	return Bid, g.bid(b, n, ts)
}

func appendTime(b []byte, ms int64) []byte {
	b = append(b, '"')
	b = time.UnixMilli(ms).UTC().AppendFormat(b, "2006-01-02 15:04:05.000")
	return append(b, '"')
}

// appendQuoted appends s as a JSON string; the generator's strings need no
// escapes but the writer does not rely on it.
func appendQuoted(b []byte, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func (g *Generator) person(b []byte, n, ts int64) []byte {
	var tmp [256]byte
	id := lastPerson(n) + firstPersonID
	name := firstNames[g.r.IntN(len(firstNames))] + " " + lastNames[g.r.IntN(len(lastNames))]
	email := g.appendString(tmp[:0], 7, ' ')
	email = append(email, '@')
	email = g.appendString(email, 5, ' ')
	email = append(email, ".com"...)
	cardStart := len(email)
	card := email
	for i := range 4 {
		if i > 0 {
			card = append(card, ' ')
		}
		v := g.r.IntN(10000)
		card = append(card, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	email, card = card[:cardStart], card[cardStart:]
	city := usCities[g.r.IntN(len(usCities))]
	state := usStates[g.r.IntN(len(usStates))]
	size := 8 + len(name) + len(email) + len(card) + len(city) + len(state)

	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"name":`...)
	b = appendQuoted(b, []byte(name))
	b = append(b, `,"email_address":`...)
	b = appendQuoted(b, email)
	b = append(b, `,"credit_card":`...)
	b = appendQuoted(b, card)
	b = append(b, `,"city":`...)
	b = appendQuoted(b, []byte(city))
	b = append(b, `,"state":`...)
	b = appendQuoted(b, []byte(state))
	b = append(b, `,"date_time":`...)
	b = appendTime(b, ts)
	b = append(b, `,"extra":"`...)
	b = g.appendExtra(b, size, avgPersonBytes)
	return append(b, `"}`...)
}

func (g *Generator) auction(b []byte, n, ts int64) []byte {
	var tmp [128]byte
	id := lastAuction(n) + firstAuctionID
	var seller int64
	if g.r.IntN(hotSellersRatio) > 0 {
		seller = lastPerson(n) / hotBatch * hotBatch
	} else {
		seller = g.randomPerson(n)
	}
	seller += firstPersonID
	category := int64(firstCategoryID + g.r.IntN(numCategories))
	initial := g.price()
	// Auctions last 1 ms to twice the event time in which
	// numInFlightAuctions more auctions are made.
	horizon := g.timestamp(n+numInFlightAuctions*totalProportion/auctionProportion) - ts
	expires := ts + 1 + g.r.Int64N(max(horizon*2, 1))
	name := g.appendString(tmp[:0], 20, ' ')
	descStart := len(name)
	desc := g.appendString(name, 100, ' ')
	name, desc = desc[:descStart], desc[descStart:]
	reserve := initial + g.price()
	size := 8 + len(name) + len(desc) + 8 + 8 + 8 + 8 + 8

	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"item_name":`...)
	b = appendQuoted(b, name)
	b = append(b, `,"description":`...)
	b = appendQuoted(b, desc)
	b = append(b, `,"initial_bid":`...)
	b = strconv.AppendInt(b, initial, 10)
	b = append(b, `,"reserve":`...)
	b = strconv.AppendInt(b, reserve, 10)
	b = append(b, `,"date_time":`...)
	b = appendTime(b, ts)
	b = append(b, `,"expires":`...)
	b = appendTime(b, expires)
	b = append(b, `,"seller":`...)
	b = strconv.AppendInt(b, seller, 10)
	b = append(b, `,"category":`...)
	b = strconv.AppendInt(b, category, 10)
	b = append(b, `,"extra":"`...)
	b = g.appendExtra(b, size, avgAuctionBytes)
	return append(b, `"}`...)
}

func (g *Generator) bid(b []byte, n, ts int64) []byte {
	var auction, bidder int64
	if g.r.IntN(hotAuctionRatio) > 0 {
		auction = lastAuction(n) / hotBatch * hotBatch
	} else {
		auction = g.randomAuction(n)
	}
	auction += firstAuctionID
	if g.r.IntN(hotBiddersRatio) > 0 {
		bidder = lastPerson(n)/hotBatch*hotBatch + 1
	} else {
		bidder = g.randomPerson(n)
	}
	bidder += firstPersonID
	price := g.price()
	var channel, url string
	if g.r.IntN(hotChannelsRatio) > 0 {
		i := g.r.IntN(len(hotChannels))
		channel, url = hotChannels[i], g.hotURLs[i]
	} else {
		i := g.r.IntN(channelsNumber)
		channel, url = "channel-"+strconv.Itoa(i), g.channelURL(i)
	}

	b = append(b, `{"auction":`...)
	b = strconv.AppendInt(b, auction, 10)
	b = append(b, `,"bidder":`...)
	b = strconv.AppendInt(b, bidder, 10)
	b = append(b, `,"price":`...)
	b = strconv.AppendInt(b, price, 10)
	b = append(b, `,"channel":`...)
	b = appendQuoted(b, []byte(channel))
	b = append(b, `,"url":`...)
	b = appendQuoted(b, []byte(url))
	b = append(b, `,"date_time":`...)
	b = appendTime(b, ts)
	b = append(b, `,"extra":"`...)
	b = g.appendExtra(b, 8+8+8+8, avgBidBytes)
	return append(b, `"}`...)
}
