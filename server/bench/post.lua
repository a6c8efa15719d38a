-- wrk script for server/bench/load.sh: POST the request file named by $BODY to the URL given.
local file = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
wrk.headers["Content-Type"] = "application/octet-stream"
file:close()
