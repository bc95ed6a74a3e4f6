// Module hooks for the smoke test: tells the main thread the URL of every module Node loads, and
// answers "flush" once every earlier URL has been sent (messages on one port arrive in order).
let port

export const initialize = (data) => {
  port = data.port
  port.on('message', () => port.postMessage({ flushed: true }))
  port.unref()
}

export const load = (url, context, next) => {
  port.postMessage({ url })
  return next(url, context)
}
