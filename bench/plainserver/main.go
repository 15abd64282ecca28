// Command plainserver is the benchmark's peer: the forum's users list served
// the plain way, by net/http and encoding/json on every request, without an
// access log. It is what "a Go server" means in the forum's speed target.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
)

type user struct {
	ID       int    `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Bio      string `json:"bio"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	data := flag.String("data", "", "forum data file (db.json)")
	flag.Parse()
	b, err := os.ReadFile(*data)
	if err != nil {
		log.Fatal(err)
	}
	var db struct {
		Users []user `json:"users"`
	}
	if err := json.Unmarshal(b, &db); err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("GET /api/users", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(db.Users)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
