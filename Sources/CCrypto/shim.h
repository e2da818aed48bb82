// OpenSSL libcrypto (Debian libssl-dev): digests, HMAC and the CSPRNG.
// Only the Crypto module imports this module.
#pragma once
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
