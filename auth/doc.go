// Package auth decides who is calling and what they may do: local users
// (argon2id passwords) and API tokens kept in a JetStream key-value bucket,
// console sessions kept in Redis, and the one policy function that every
// route of the API goes through (roles scoped to community programs, wards
// and cameras). It knows nothing of HTTP routes: the api package's route
// table names a Permission per route, and handlers ask Decide about the
// objects they touch.
package auth
