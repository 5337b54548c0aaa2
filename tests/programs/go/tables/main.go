// Maps, sorting, strconv and fmt: a table of cities is parsed from text,
// grouped in maps, sorted several ways and printed with fmt's verbs; the
// exit code is the number of lines that did not parse.
package main

import (
	"crypto/rand"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

const data = `Lisbon,PT,545000,38.72,-9.14
Porto,PT,232000,41.15,-8.61
Madrid,ES,3305000,40.42,-3.70
Sevilla,ES,688000,37.39,-5.98
Lyon,FR,522000,45.76,4.84
Paris,FR,2161000,48.86,2.35
Nice,FR,342000,43.70,7.27
Atlantis,??,unknown,0,0
Bilbao,ES,346000,43.26,-2.93
broken line`

type city struct {
	name, country string
	people        int
	lat, lon      float64
}

// haversine distance in km between two cities.
func distance(a, b city) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (b.lat-a.lat)*rad, (b.lon-a.lon)*rad
	h := math.Pow(math.Sin(dlat/2), 2) + math.Cos(a.lat*rad)*math.Cos(b.lat*rad)*math.Pow(math.Sin(dlon/2), 2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

func main() {
	var cities []city
	bad := 0
	for _, line := range strings.Split(data, "\n") {
		f := strings.Split(line, ",")
		if len(f) != 5 {
			bad++
			fmt.Printf("skipped %q: %d fields\n", line, len(f))
			continue
		}
		people, err := strconv.Atoi(f[2])
		if err != nil {
			bad++
			fmt.Printf("skipped %s: %v\n", f[0], err)
			continue
		}
		lat, _ := strconv.ParseFloat(f[3], 64)
		lon, _ := strconv.ParseFloat(f[4], 64)
		cities = append(cities, city{f[0], f[1], people, lat, lon})
	}

	byCountry := map[string][]city{}
	for _, c := range cities {
		byCountry[c.country] = append(byCountry[c.country], c)
	}
	countries := make([]string, 0, len(byCountry))
	for k := range byCountry {
		countries = append(countries, k)
	}
	sort.Strings(countries)
	everyone := 0
	for _, c := range cities {
		everyone += c.people
	}
	for _, k := range countries {
		total := 0
		for _, c := range byCountry[k] {
			total += c.people
		}
		fmt.Printf("%s: %d cities, %9d people, %6.2f%% of all\n", k, len(byCountry[k]), total, 100*float64(total)/float64(everyone))
	}

	named := map[string]city{}
	for _, c := range cities {
		named[c.name] = c
	}
	sort.SliceStable(cities, func(i, j int) bool { return cities[i].people > cities[j].people })
	for i, c := range cities {
		fmt.Printf("%2d %-8s %8s %+7.2f %+7.2f %x\n", i+1, c.name, strconv.FormatInt(int64(c.people), 36), c.lat, c.lon, c.people)
	}
	fmt.Printf("Lisbon-Paris %.1f km, Madrid-Nice %.3e km\n", distance(named["Lisbon"], named["Paris"]), distance(named["Madrid"], named["Nice"]))
	fmt.Println(strconv.FormatFloat(math.Pi, 'g', -1, 64), strconv.FormatFloat(1e21, 'f', -1, 64), float32(0.1), math.Inf(-1), -0.0, math.Copysign(0, -1))
	fmt.Printf("%v %+v %T %q %08.3f %U\n", cities[0].people, struct{ A, B int }{1, 2}, cities[0], "tab\there", -3.14159, 'é')

	// Real entropy and clocks differ between runs: print their properties.
	buf := make([]byte, 16)
	_, err := rand.Read(buf)
	fmt.Println("entropy ok", err == nil && strings.Trim(string(buf), "\x00") != "")
	start := time.Now()
	fmt.Println("monotonic ok", time.Since(start) >= 0)
	fmt.Println("env", os.Getenv("TABLES_GREETING"))
	os.Exit(bad)
}
