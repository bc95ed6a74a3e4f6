import type { Layout } from '../../Layout.js'

/** Exactly the fields of a layout, as fresh plain data (what the codecs encode). */
export const plainLayout = ({ tracks, alignment, timeZone }: Layout): Layout => ({ tracks: tracks.map(({ unit, buckets }) => ({ unit, buckets })), alignment, timeZone })
