// Package ratelimit is a keyed token-bucket limiter: each key (a device id,
// an admin credential, a client address) refills at Rate tokens per second
// up to Burst.
//
// Limits are per process. Behind a load balancer each platform node limits
// on its own, so the fleet-wide limit is Rate times the number of nodes.
package ratelimit
