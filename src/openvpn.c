/* openvpn.c -- de-framing of OpenVPN over TCP (see openvpn.h). */
#include "tlsdiag/openvpn.h"

#include <string.h>

/* HMAC sizes tried, in order: none, MD5, SHA-1, SHA-224, SHA-256,
 * SHA-384, SHA-512 (OpenVPN's --auth digests). */
static const uint8_t hmac_sizes[] = {0, 16, 20, 28, 32, 48, 64};

/* Reliable packets carry a message packet id; acknowledgements and data
 * packets do not. */
static bool
op_reliable(unsigned op)
{
	switch (op) {
	case OVPN_HARD_RESET_CLIENT_V1:
	case OVPN_HARD_RESET_SERVER_V1:
	case OVPN_SOFT_RESET_V1:
	case OVPN_CONTROL_V1:
	case OVPN_HARD_RESET_CLIENT_V2:
	case OVPN_HARD_RESET_SERVER_V2:
	case OVPN_HARD_RESET_CLIENT_V3:
		return true;
	default:
		return false;
	}
}

/* The ack count byte; -1 if over OVPN_ACKS_MAX. */
static int
hdr_acks_count(struct cur *c)
{
	uint8_t n;

	if (!cur_u8(c, &n) || n > OVPN_ACKS_MAX)
		return -1;
	return n;
}

/* The header after the opcode byte: session id, tls-auth fields, the ack
 * array and the peer's session id; the number of acks, or -1. */
static int
hdr_acks(struct cur *c, uint8_t hmac_len)
{
	int n;

	(void)cur_skip(c, 8); /* session id */
	if (hmac_len > 0)
		(void)cur_skip(c, (size_t)hmac_len + 8); /* HMAC, pid, time */
	n = hdr_acks_count(c);
	if (n < 0)
		return -1;
	(void)cur_skip(c, 4u * (unsigned)n);
	if (n > 0)
		(void)cur_skip(c, 8); /* remote session id */
	return c->bad ? -1 : n;
}

bool
ovpn_detect(const uint8_t *p, size_t n, bool server, uint8_t *hmac_len)
{
	struct cur c = cur_make(p, n), pkt, h;
	uint16_t len;
	uint8_t b;
	uint32_t pid;
	unsigned op;
	size_t i;
	int acks;

	if (!cur_u16(&c, &len) || !cur_sub(&c, len, &pkt) || !cur_u8(&pkt, &b))
		return false;
	op = b >> 3;
	if ((b & 7) != 0)
		return false;
	if (server ? op != OVPN_HARD_RESET_SERVER_V1 &&
			 op != OVPN_HARD_RESET_SERVER_V2
		   : op != OVPN_HARD_RESET_CLIENT_V1 &&
			 op != OVPN_HARD_RESET_CLIENT_V2 &&
			 op != OVPN_HARD_RESET_CLIENT_V3)
		return false;
	for (i = 0; i < sizeof(hmac_sizes); i++) {
		h = pkt;
		acks = hdr_acks(&h, hmac_sizes[i]);
		/* A client's first packet acknowledges nothing; the first
		 * reliable packet of each side is message packet id 0. */
		if (acks < 0 || (!server && acks != 0))
			continue;
		if (!cur_u32(&h, &pid) || pid != 0)
			continue;
		*hmac_len = hmac_sizes[i];
		return true;
	}
	return false;
}

void
ovpn_init(struct ovpn_dir *d, uint8_t hmac_len)
{
	memset(d, 0, sizeof(*d));
	d->hmac_len = hmac_len > OVPN_HMAC_MAX ? OVPN_HMAC_MAX : hmac_len;
}

/* The header is whole: decide what becomes of the payload. */
static bool
hdr_done(struct ovpn_dir *d)
{
	struct cur h = cur_make(d->hdr, d->hdr_len);
	uint8_t b;
	uint32_t pid;

	(void)cur_u8(&h, &b);
	if (hdr_acks(&h, d->hmac_len) < 0)
		return false;
	d->deliver = false;
	if (!op_reliable(b >> 3) || (b & 7) != 0)
		return true; /* an ack, or another key's TLS session */
	if (!cur_u32(&h, &pid))
		return false;
	if (pid < d->next_pid) {
		d->dups++;
		return true;
	}
	if (pid != d->next_pid)
		return false; /* control bytes were lost */
	d->next_pid++;
	d->deliver = (b >> 3) == OVPN_CONTROL_V1;
	if (d->deliver)
		d->control++;
	return true;
}

/* The opcode and the fixed part are held: how long is the header?  False
 * when it cannot be (too many acks, longer than the packet). */
static bool
hdr_size(struct ovpn_dir *d, size_t pkt_len)
{
	struct cur h = cur_make(d->hdr, d->hdr_len);
	uint8_t b;
	int acks;

	(void)cur_u8(&h, &b);
	(void)cur_skip(&h, d->hdr_len - 2u); /* to the ack count */
	acks = hdr_acks_count(&h);
	if (acks < 0)
		return false;
	d->hdr_want = (uint16_t)(d->hdr_len + 4 * acks + (acks > 0 ? 8 : 0) +
				 (op_reliable(b >> 3) ? 4 : 0));
	return d->hdr_want <= pkt_len;
}

bool
ovpn_feed(struct ovpn_dir *d, struct cur *in, ovpn_payload_fn fn, void *ctx)
{
	struct cur sub;
	size_t take, want, fixed;
	uint8_t b;
	unsigned op;

	/* Opcode, session id, tls-auth fields, ack count. */
	fixed = 1 + 8 + (d->hmac_len ? d->hmac_len + 8u : 0) + 1;
	while (in->left > 0 && !d->bad) {
		if (d->len_have < 2) {
			(void)cur_u8(in, &d->lenb[d->len_have++]);
			if (d->len_have < 2)
				continue;
			d->pkt_left = (uint16_t)(d->lenb[0] << 8 | d->lenb[1]);
			d->hdr_len = 0;
			d->hdr_want = 0;
			d->deliver = false;
			d->packets++;
			if (d->pkt_left == 0)
				d->len_have = 0;
			continue;
		}
		if (d->hdr_len == 0) {
			(void)cur_u8(in, &b);
			d->pkt_left--;
			d->hdr[d->hdr_len++] = b;
			op = b >> 3;
			if (op < OVPN_HARD_RESET_CLIENT_V1 ||
			    op > OVPN_CONTROL_WKC_V1)
				d->bad = true;
			else if (op == OVPN_DATA_V1 || op == OVPN_DATA_V2 ||
				 op == OVPN_CONTROL_WKC_V1)
				d->hdr_want = 1; /* skipped whole */
			else if (d->pkt_left + 1u < fixed)
				d->bad = true;
		} else if (d->hdr_want == 0 || d->hdr_len < d->hdr_want) {
			want = d->hdr_want ? d->hdr_want : fixed;
			take = want - d->hdr_len;
			if (take > in->left)
				take = in->left;
			(void)cur_bytes(in, take, d->hdr + d->hdr_len);
			d->hdr_len = (uint8_t)(d->hdr_len + take);
			d->pkt_left = (uint16_t)(d->pkt_left - take);
			if (d->hdr_want == 0 && d->hdr_len == fixed &&
			    !hdr_size(d, (size_t)d->pkt_left + d->hdr_len))
				d->bad = true;
			else if (d->hdr_want != 0 &&
				 d->hdr_len == d->hdr_want && !hdr_done(d))
				d->bad = true;
		} else {
			take = d->pkt_left < in->left ? d->pkt_left : in->left;
			if (d->deliver && take > 0 && cur_sub(in, take, &sub))
				fn(ctx, &sub);
			else
				(void)cur_skip(in, take);
			d->pkt_left = (uint16_t)(d->pkt_left - take);
		}
		if (!d->bad && d->pkt_left == 0 && d->hdr_want != 0 &&
		    d->hdr_len >= d->hdr_want)
			d->len_have = 0;
	}
	/* Bytes after the one that lost the framing stay in `in`: the
	 * caller counts them as ignored wherever the stream was cut. */
	return !d->bad;
}
