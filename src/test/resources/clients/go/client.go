// A Pushgateway client (client_golang's push package) driven line by line on stdin, so a test can
// check the Pushgateway between steps. Args: GATEWAY_URL JOB INSTANCE [USER PASSWORD]. Commands:
// "put NAME VALUE" (Push, PUT), "add NAME VALUE" (Add, POST), "delete" (Delete). Answers "ok" or "error ...".
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

func main() {
	url, job, instance := os.Args[1], os.Args[2], os.Args[3]
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		p := push.New(url, job).Grouping("instance", instance)
		if len(os.Args) > 5 {
			p = p.BasicAuth(os.Args[4], os.Args[5])
		}
		var err error
		switch f[0] {
		case "put", "add":
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: f[1], Help: "matrix"})
			v, _ := strconv.ParseFloat(f[2], 64)
			g.Set(v)
			p = p.Collector(g)
			if f[0] == "put" {
				err = p.Push()
			} else {
				err = p.Add()
			}
		case "delete":
			err = p.Delete()
		}
		if err != nil {
			fmt.Println("error", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Println("ok")
		}
	}
}
