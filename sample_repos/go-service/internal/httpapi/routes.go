// Package httpapi exposes the order service over HTTP.
package httpapi

import (
	"encoding/json"
	"net/http"

	"example.com/orders/internal/orders"
)

// Routes returns the API handler.
func Routes(svc *orders.Service) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		var o orders.Order
		if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
			http.Error(w, "invalid body", http.StatusBadRequest)
			return
		}
		if err := svc.Place(r.Context(), o); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	return mux
}
