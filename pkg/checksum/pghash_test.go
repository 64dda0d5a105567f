package checksum_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/dbverify/dbverify/internal/testdb"
	"github.com/dbverify/dbverify/pkg/checksum"
)

// pgHashGolden holds hashtextextended(s COLLATE "C", seed) as printed by a PostgreSQL 15.20
// server (x86_64, UTF8): every length 0..30 under seed 0 and again under other seeds, multi-byte
// UTF-8, and longer inputs. want is the server's int8, compared by its bits.
var pgHashGolden = []struct {
	s    string
	seed int64
	want int64
}{
	{"", 0, -6939563903564495251},
	{"a", 0, 3591986179850072241},
	{"ab", 0, 2833316173711343549},
	{"abc", 0, -6747756470228489321},
	{"abcd", 0, -1038429303365892052},
	{"abcde", 0, 3076356108696143428},
	{"abcdef", 0, 290958262752763840},
	{"abcdefg", 0, -6158032784613548338},
	{"abcdefgh", 0, -8882191227074733005},
	{"abcdefghi", 0, -3278210106038014113},
	{"abcdefghij", 0, -3183301415634409076},
	{"abcdefghijk", 0, 3112909444737856467},
	{"abcdefghijkl", 0, -7556637188122330412},
	{"abcdefghijklm", 0, 8871624171452417744},
	{"abcdefghijklmn", 0, 4973135103275945525},
	{"abcdefghijklmno", 0, 9043359162837317271},
	{"abcdefghijklmnop", 0, 878954068520307163},
	{"abcdefghijklmnopq", 0, 981995727863167554},
	{"abcdefghijklmnopqr", 0, 484589330715449564},
	{"abcdefghijklmnopqrs", 0, -232611774418841497},
	{"abcdefghijklmnopqrst", 0, 772495730612720881},
	{"abcdefghijklmnopqrstu", 0, 7996419909667933074},
	{"abcdefghijklmnopqrstuv", 0, 5065299895581918398},
	{"abcdefghijklmnopqrstuvw", 0, -1198571854151947912},
	{"abcdefghijklmnopqrstuvwx", 0, -1933194731779935345},
	{"abcdefghijklmnopqrstuvwxy", 0, 5649064133428767341},
	{"abcdefghijklmnopqrstuvwxyz", 0, -6612928417832572997},
	{"abcdefghijklmnopqrstuvwxyz0", 0, -2380771206696995028},
	{"abcdefghijklmnopqrstuvwxyz01", 0, 6812267027916543695},
	{"abcdefghijklmnopqrstuvwxyz012", 0, 945567879077619982},
	{"abcdefghijklmnopqrstuvwxyz0123", 0, -6220525620039254070},
	{"", 1, -150071773020461347},
	{"a", -1, 8688456822845412000},
	{"ab", 9223372036854775807, -3624711498925237321},
	{"abc", -8608480567731124087, 7476471037158361788},
	{"abcd", 4294967296, -8005165740158147847},
	{"abcde", 4294967295, -7236980908570866938},
	{"abcdef", 1, -7708154518206703230},
	{"abcdefg", -1, 6620770052711690062},
	{"abcdefgh", 9223372036854775807, 4029779553967995786},
	{"abcdefghi", -8608480567731124087, -308468908356630482},
	{"abcdefghij", 4294967296, -1651113098121954272},
	{"abcdefghijk", 4294967295, 4772180749532415371},
	{"abcdefghijkl", 1, -6429754808531195817},
	{"abcdefghijklm", -1, 6205390682044465928},
	{"abcdefghijklmn", 9223372036854775807, -7416670708169811162},
	{"abcdefghijklmno", -8608480567731124087, -7084049694797875838},
	{"abcdefghijklmnop", 4294967296, 989871684329769190},
	{"abcdefghijklmnopq", 4294967295, -1182167370275556935},
	{"abcdefghijklmnopqr", 1, -8483450521730918564},
	{"abcdefghijklmnopqrs", -1, -1422852774862433387},
	{"abcdefghijklmnopqrst", 9223372036854775807, 6131364436266680026},
	{"abcdefghijklmnopqrstu", -8608480567731124087, -7014075331788568404},
	{"abcdefghijklmnopqrstuv", 4294967296, 8488865362866364297},
	{"abcdefghijklmnopqrstuvw", 4294967295, -9056766882796596452},
	{"abcdefghijklmnopqrstuvwx", 1, -731882798451170301},
	{"abcdefghijklmnopqrstuvwxy", -1, -5957734741082924352},
	{"abcdefghijklmnopqrstuvwxyz", 9223372036854775807, -8302787907068186432},
	{"abcdefghijklmnopqrstuvwxyz0", -8608480567731124087, -7449738365127655159},
	{"abcdefghijklmnopqrstuvwxyz01", 4294967296, -8932664766196666788},
	{"abcdefghijklmnopqrstuvwxyz012", 4294967295, 3803147487400631393},
	{"abcdefghijklmnopqrstuvwxyz0123", 1, 2826874879993073614},
	{"abc", 1, 2125675926272891485},
	{"a", 42, 6942402718208252407},
	{"é", 0, -763932721387459829},
	{"ß", 1, -210187018548590325},
	{"日本語", -1, 721106236517436916},
	{"Ωμέγα", 9223372036854775807, -4702951071710310128},
	{"🙂🙃", 0, -219182349048824137},
	{"naïve café", 1, -8739982171753979727},
	{"Привет, мир", -1, -1030216871776489249},
	{"中文字符测试中文字符测试", 9223372036854775807, -3235537289824545694},
	{"a\u0301", 0, -3164233835181981347},
	{"\u00a0x\u2028y", 1, 6684998019869227468},
	{"tab\tnew\nline", -1, 4383634003907387894},
	{"𝄞𝄞𝄞", 9223372036854775807, 5888154114174344956},
	{"ÿ", 0, 2990123090856418804},
	{"\u007f\u0080߿ࠀ\uffff𐀀\U0010ffff", 1, 7215882898914299067},
	{strings.Repeat("0123456789", 4), 0, -1709038554607151176},
	{strings.Repeat("0123456789", 4), 1, 5291985720690216117},
	{strings.Repeat("0123456789", 4), 9223372036854775807, -1558518912492753085},
	{strings.Repeat("0123456789", 4), -8608480567731124087, 6675866514036387938},
	{strings.Repeat("0123456789", 5), 0, -6919761948028026846},
	{strings.Repeat("0123456789", 5), 1, -5294199617036982338},
	{strings.Repeat("0123456789", 5), 9223372036854775807, -8031684879575289101},
	{strings.Repeat("0123456789", 5), -8608480567731124087, 3061586941921111601},
	{strings.Repeat("0123456789", 15), 0, -4493883731694644183},
	{strings.Repeat("0123456789", 15), 1, -1223530983714593634},
	{strings.Repeat("0123456789", 15), 9223372036854775807, -6916348374085568217},
	{strings.Repeat("0123456789", 15), -8608480567731124087, 5744548672347382569},
	{strings.Repeat("0123456789", 100), 0, -8414876097145436167},
	{strings.Repeat("0123456789", 100), 1, 968433884877945175},
	{strings.Repeat("0123456789", 100), 9223372036854775807, 166127308011369791},
	{strings.Repeat("0123456789", 100), -8608480567731124087, 7503436841630500183},
	{strings.Repeat("Ωμέγα·", 7), 0, -3296590035246073800},
	{strings.Repeat("Ωμέγα·", 7), 1, -5972594532052538174},
	{strings.Repeat("Ωμέγα·", 7), 9223372036854775807, 6944363829269657693},
	{strings.Repeat("Ωμέγα·", 7), -8608480567731124087, 234315130117032198},
	{strings.Repeat("Ωμέγα·", 40), 0, 4447103228001670921},
	{strings.Repeat("Ωμέγα·", 40), 1, -5721570681212033303},
	{strings.Repeat("Ωμέγα·", 40), 9223372036854775807, 2475949087175950070},
	{strings.Repeat("Ωμέγα·", 40), -8608480567731124087, -6126990066508691933},
}

func TestPGHashExtendedGolden(t *testing.T) {
	for _, c := range pgHashGolden {
		got := checksum.PGHashExtended([]byte(c.s), uint64(c.seed))
		if got != uint64(c.want) {
			t.Errorf("PGHashExtended(%q (%d bytes), %d) = %d, server says %d", c.s, len(c.s), c.seed, int64(got), c.want)
		}
	}
}

// The result must not depend on where the bytes sit in memory (PostgreSQL has separate aligned and
// unaligned paths that must agree) and a call must not allocate.
func TestPGHashExtendedOffsetsAndAllocs(t *testing.T) {
	c := pgHashGolden[len(pgHashGolden)-1]
	buf := make([]byte, len(c.s)+8)
	for off := 0; off < 8; off++ {
		b := buf[off : off+len(c.s)]
		copy(b, c.s)
		if got := checksum.PGHashExtended(b, uint64(c.seed)); got != uint64(c.want) {
			t.Errorf("offset %d: got %d, want %d", off, int64(got), c.want)
		}
	}
	b := []byte(c.s)
	if n := testing.AllocsPerRun(100, func() { checksum.PGHashExtended(b, 1) }); n != 0 {
		t.Errorf("PGHashExtended allocates %v times per call", n)
	}
}

// randUTF8 returns a valid UTF-8 string of exactly n bytes with no NUL (which text cannot hold),
// mixing 1-, 2-, 3- and 4-byte characters.
func randUTF8(r *rand.Rand, n int) string {
	b := make([]byte, 0, n)
	for len(b) < n {
		var c rune
		switch r.IntN(4) {
		case 0:
			c = rune(1 + r.IntN(0x7f))
		case 1:
			c = rune(0x80 + r.IntN(0x800-0x80))
		case 2:
			c = rune(0x800 + r.IntN(0x10000-0x800))
			if c >= 0xd800 && c <= 0xdfff { // surrogates are not characters
				c = 'x'
			}
		default:
			c = rune(0x10000 + r.IntN(0x110000-0x10000))
		}
		if len(b)+utf8.RuneLen(c) > n {
			c = rune(1 + r.IntN(0x7f))
		}
		b = utf8.AppendRune(b, c)
	}
	return string(b)
}

// TestPGHashExtendedMatchesServer hashes random strings of 0..400 bytes on the PostgreSQL test
// server and locally: each string under seed 0 and under one other seed, all in one query.
func TestPGHashExtendedMatchesServer(t *testing.T) {
	const nStrings = 5000
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	dialCtx, dialCancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(dialCtx, testdb.PostgresServer())
	dialCancel()
	if err != nil {
		msg := "no PostgreSQL test server (" + err.Error() + "); run `make db-up` or set DBVERIFY_TEST_POSTGRES"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defer conn.Close(context.Background())

	r := rand.New(rand.NewPCG(20240611, 15))
	special := []int64{1, -1, math.MaxInt64, math.MinInt64, 1 << 32, 1<<32 - 1}
	var strs []string
	var seeds []int64
	for i := range nStrings {
		s := randUTF8(r, r.IntN(401))
		seed := int64(r.Uint64())
		if i < 6*len(special) {
			seed = special[i%len(special)]
		}
		strs = append(strs, s, s)
		seeds = append(seeds, 0, seed)
	}

	rows, err := conn.Query(ctx,
		`SELECT hashtextextended(s COLLATE "C", seed)
		   FROM unnest($1::text[], $2::int8[]) WITH ORDINALITY AS u(s, seed, i)
		  ORDER BY i`, strs, seeds)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(strs) {
		t.Fatalf("server returned %d hashes for %d strings", len(got), len(strs))
	}
	bad := 0
	for i, want := range got {
		if h := checksum.PGHashExtended([]byte(strs[i]), uint64(seeds[i])); h != uint64(want) {
			if bad++; bad <= 10 {
				t.Errorf("%d-byte string %q, seed %d: got %d, server says %d", len(strs[i]), strs[i], seeds[i], int64(h), want)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d hashes differ from the server's", bad, len(got))
	}
	t.Logf("%d strings x 2 seeds = %d hashes match the server", nStrings, len(got))
}

func BenchmarkPGHashExtended(b *testing.B) {
	in := []byte(strings.Repeat("0123456789abcde", 10)) // 150 bytes
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var sink uint64
	for b.Loop() {
		sink += checksum.PGHashExtended(in, 0x5eed)
	}
	_ = sink
}
