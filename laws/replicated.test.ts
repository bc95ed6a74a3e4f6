// Replicated counters: a bounded join-semilattice under merge (associative, commutative, idempotent,
// empty as identity); record and rotate inflate, so a stale copy cannot bring expired buckets back;
// rotate distributes over merge; value maps merge of disjoint replicas onto Counter.merge; convert
// gives what converting each replica as a dense counter gives; deltas since a version vector bring
// everything; both formats round-trip and refuse damaged bytes.
import * as fc from 'fast-check'
import { describe, it } from 'vitest'
import { RUNS } from './drivers.js'
import { conversion, deltas, formats, semilattice, shape, values } from './replicated.drivers.js'

describe('replicated: the semilattice', () => {
  for (const [name, property] of Object.entries(semilattice())) it(name, () => fc.assert(property, RUNS))
})

describe('replicated: value', () => {
  for (const [name, property] of Object.entries(values())) it(name, () => fc.assert(property, RUNS))
})

describe('replicated: conversion', () => {
  for (const [name, property] of Object.entries(conversion())) it(name, () => fc.assert(property, RUNS))
})

describe('replicated: deltas', () => {
  for (const [name, property] of Object.entries(deltas())) it(name, () => fc.assert(property, RUNS))
})

describe('replicated: shape', () => {
  for (const [name, property] of Object.entries(shape())) it(name, () => fc.assert(property, RUNS))
})

describe('replicated: codecs and formats', () => {
  for (const [name, property] of Object.entries(formats())) it(name, () => fc.assert(property, RUNS))
})
