// Package cli implements the vouch-platform command line: serve, migrate,
// keygen, org (create an organisation and its first admin credential) and
// devca (a development certificate authority).
package cli
