// The JSON API from the page: fetchJSON, and ApiError carrying the API's own message and the
// parameter it names ("type='nope': unknown event type" names "type").

/** The parameter an API error message names (its "name=value: reason" form), or null. */
export function errorParam(message) {
  const match = /^([A-Za-z_-]+)=/.exec(message || "");
  return match ? match[1] : null;
}

/** An error from the JSON API, with the parameter its message names. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
    this.param = errorParam(message);
  }
}

/** GET (or other) JSON; a non-2xx answer throws ApiError carrying the API's own message. */
export async function fetchJSON(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
  } catch (err) {
    throw new ApiError(0, `network error: ${err.message}`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  if (!response.ok || (body && body.ok === false)) {
    const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return body;
}
