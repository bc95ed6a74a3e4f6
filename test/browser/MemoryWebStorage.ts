// A Web Storage area in memory (what `localStorage` is in a browser), for the Node runs: the
// storage contract, the docs examples. With a quota, a `setItem` that would hold more than `quota`
// UTF-16 code units (keys and values, as browsers count them) throws a `QuotaExceededError`
// DOMException and changes nothing, as browsers do. Not a test file itself.
import type { WebStorageArea } from 'tiny-counter/browser'

export class MemoryWebStorage implements WebStorageArea {
  private readonly items = new Map<string, string>()

  constructor(private readonly quota = Number.POSITIVE_INFINITY) {}

  get length(): number {
    return this.items.size
  }

  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null
  }

  getItem(key: string): string | null {
    return this.items.get(String(key)) ?? null
  }

  setItem(key: string, value: string): void {
    const k = String(key)
    const v = String(value)
    const used = this.used() - (this.items.has(k) ? k.length + this.items.get(k)!.length : 0)
    if (used + k.length + v.length > this.quota) throw new DOMException(`Setting the value of '${k}' exceeded the quota.`, 'QuotaExceededError')
    this.items.set(k, v)
  }

  removeItem(key: string): void {
    this.items.delete(String(key))
  }

  clear(): void {
    this.items.clear()
  }

  private used(): number {
    let total = 0
    for (const [k, v] of this.items) total += k.length + v.length
    return total
  }
}
