#!/bin/sh
# live_w2.sh -- the live test (live.sh) again with two workers (-W 2): the
# same servers, clients and expectations, captured through an AF_PACKET
# fanout group, with summaries, metrics and fleet knowledge merged across
# the workers (issue 6, item 4).
LIVE_WORKERS=2 exec sh "$(dirname "$0")/live.sh"
