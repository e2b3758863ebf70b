package cache

import "github.com/redis/go-redis/v9"

// readScript reads one batch of a family in one round trip.
//
//	ARGV[1] the generation key, ARGV[2] the data key base (<prefix>:<family>:),
//	ARGV[3] the version key base, ARGV[4] another family's generation key
//	or '', ARGV[5..] the ids.
//
// It answers {gen, other gen, r1, ..., rn}: ri is the data of id i (a
// string) when it is cached, else the id's version (an integer, 0 when
// absent).
var readScript = redis.NewScript(`
local gen = redis.call('GET', ARGV[1]) or '0'
local other = ''
if ARGV[4] ~= '' then other = redis.call('GET', ARGV[4]) or '0' end
local out = {gen, other}
local n = #ARGV - 4
local chunk = 500
for first = 1, n, chunk do
	local last = math.min(first + chunk - 1, n)
	local ks = {}
	for i = first, last do ks[#ks + 1] = ARGV[2] .. gen .. ':' .. ARGV[i + 4] end
	local vals = redis.call('MGET', unpack(ks))
	for i = first, last do
		local v = vals[i - first + 1]
		if v then
			out[i + 2] = v
		else
			out[i + 2] = tonumber(redis.call('GET', ARGV[3] .. ARGV[i + 4]) or '0')
		end
	end
end
return out
`)

// readByCustomerScript reads profiles by customer id in one round trip:
// the profc key maps a customer id to a profile id, resolved to the prof
// entity in the same call.
//
//	ARGV[1] profc generation key, ARGV[2] profc data base, ARGV[3] profc version base,
//	ARGV[4] prof generation key, ARGV[5] prof data base, ARGV[6] prof version base,
//	ARGV[7..] the customer ids.
//
// It answers {profc gen, prof gen, then three values per id}:
//
//	0, profc version, ''     the mapping is not cached
//	1, '', ''                the customer has no profile (cached)
//	2, profile data, ''      the profile (cached)
//	3, profile id, version   the mapping is cached, the profile is not
var readByCustomerScript = redis.NewScript(`
local genc = redis.call('GET', ARGV[1]) or '0'
local genp = redis.call('GET', ARGV[4]) or '0'
local out = {genc, genp}
for i = 7, #ARGV do
	local m = redis.call('GET', ARGV[2] .. genc .. ':' .. ARGV[i])
	if not m then
		out[#out + 1] = 0
		out[#out + 1] = tonumber(redis.call('GET', ARGV[3] .. ARGV[i]) or '0')
		out[#out + 1] = ''
	elseif m == '-' then
		out[#out + 1] = 1
		out[#out + 1] = ''
		out[#out + 1] = ''
	else
		local pid = string.sub(m, 2)
		local p = redis.call('GET', ARGV[5] .. genp .. ':' .. pid)
		if p then
			out[#out + 1] = 2
			out[#out + 1] = p
			out[#out + 1] = ''
		else
			out[#out + 1] = 3
			out[#out + 1] = pid
			out[#out + 1] = tonumber(redis.call('GET', ARGV[6] .. pid) or '0')
		end
	end
end
return out
`)

// readShoppersScript reads, per customer id, what a storefront request
// needs of them in one round trip: the customer (cust), the customer's
// profile id (profc), the profile (prof), its segment ids (profsegs) and
// those segments (seg), each under its family's generation.
//
//	ARGV[1], ARGV[2] cust generation key and data base,
//	ARGV[3], ARGV[4] profc generation key and data base,
//	ARGV[5], ARGV[6] prof generation key and data base,
//	ARGV[7], ARGV[8] profsegs generation key and data base,
//	ARGV[9], ARGV[10] seg generation key and data base,
//	ARGV[11..] the customer ids.
//
// It answers four values per id: the customer's data or 0 (not cached);
// the profile's data, 1 (cached: the customer has no profile) or 0 (the
// mapping or the profile is not cached); the profile's segment ids or 0
// (not cached, or no profile data to go with them); and with the segment
// ids, the list of their segments' data, each 0 when not cached (else 0).
var readShoppersScript = redis.NewScript(`
local genc = redis.call('GET', ARGV[1]) or '0'
local genm = redis.call('GET', ARGV[3]) or '0'
local genp = redis.call('GET', ARGV[5]) or '0'
local gens = redis.call('GET', ARGV[7]) or '0'
local gent = redis.call('GET', ARGV[9]) or '0'
local out = {}
for i = 11, #ARGV do
	local id = ARGV[i]
	out[#out + 1] = redis.call('GET', ARGV[2] .. genc .. ':' .. id) or 0
	local m = redis.call('GET', ARGV[4] .. genm .. ':' .. id)
	local p = false
	if m == '-' then
		out[#out + 1] = 1
	elseif m then
		p = redis.call('GET', ARGV[6] .. genp .. ':' .. string.sub(m, 2))
		out[#out + 1] = p or 0
	else
		out[#out + 1] = 0
	end
	local ids = p and redis.call('GET', ARGV[8] .. gens .. ':' .. string.sub(m, 2))
	if ids then
		out[#out + 1] = ids
		local segs = {}
		-- null for a profile in no segment; undecodable is the caller's
		-- to find, as for any value.
		local ok, list = pcall(cjson.decode, ids)
		if ok and type(list) == 'table' then
			for j, sid in ipairs(list) do
				segs[j] = redis.call('GET', ARGV[10] .. gent .. ':' .. sid) or 0
			end
		end
		out[#out + 1] = segs
	else
		out[#out + 1] = 0
		out[#out + 1] = 0
	end
end
return out
`)

// readEnabledScript reads the enabled promotions, or only says that the
// value is the one the caller holds, identified by its stamp (the first
// stampLen bytes of the value).
//
//	ARGV[1] generation key, ARGV[2] data base, ARGV[3] version key,
//	ARGV[4] the stamp the caller holds, ARGV[5] the id.
//
// It answers {gen, 0, version} when not cached, {gen, 1} when the caller's
// stamp is current, {gen, 2, value} otherwise.
var readEnabledScript = redis.NewScript(`
local gen = redis.call('GET', ARGV[1]) or '0'
local k = ARGV[2] .. gen .. ':' .. ARGV[5]
local head = redis.call('GETRANGE', k, 0, 15)
if head == '' then
	return {gen, 0, tonumber(redis.call('GET', ARGV[3]) or '0')}
end
if head == ARGV[4] then
	return {gen, 1}
end
return {gen, 2, redis.call('GET', k)}
`)

// writeBackScript sets data keys, each only if its family generation and
// its version are still those read before the store read. Seven values
// per key:
//
//	generation key, expected generation, data key, version key,
//	expected version, TTL in milliseconds, value
//
// It answers the number of keys set.
var writeBackScript = redis.NewScript(`
local written = 0
for i = 1, #ARGV, 7 do
	if (redis.call('GET', ARGV[i]) or '0') == ARGV[i + 1]
		and (redis.call('GET', ARGV[i + 3]) or '0') == ARGV[i + 4] then
		redis.call('SET', ARGV[i + 2], ARGV[i + 6], 'PX', ARGV[i + 5])
		written = written + 1
	end
end
return written
`)

// invalidateScript bumps family generations and key versions after a
// write.
//
//	ARGV[1] prefix, ARGV[2] version TTL in seconds, ARGV[3] number of families n,
//	ARGV[4..3+n] the families, then pairs of family and id.
//
// A family's generation is incremented; a key's version is incremented
// (and given the TTL) and its data key under the current generation
// deleted.
var invalidateScript = redis.NewScript(`
local p = ARGV[1]
local nf = tonumber(ARGV[3])
for i = 4, 3 + nf do
	redis.call('INCR', p .. ':gen:' .. ARGV[i])
end
for i = 4 + nf, #ARGV, 2 do
	local fam, id = ARGV[i], ARGV[i + 1]
	local gen = redis.call('GET', p .. ':gen:' .. fam) or '0'
	redis.call('DEL', p .. ':' .. fam .. ':' .. gen .. ':' .. id)
	local vk = p .. ':ver:' .. fam .. ':' .. id
	redis.call('INCR', vk)
	redis.call('EXPIRE', vk, ARGV[2])
end
return 1
`)
