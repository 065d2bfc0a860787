#ifndef GOSGATE_COPENSSL_SHIM_H
#define GOSGATE_COPENSSL_SHIM_H

/* The ENGINE API is deprecated in OpenSSL 3 but Debian 12's GOST provider cannot sign,
   so the engine is mandatory (research/gost-token.md §0.2). */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/asn1.h>

/* Function-like and cast macros are not imported into Swift; these wrap them. */

static inline int gg_init_crypto_no_config(void) {
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
}

static inline int gg_init_ssl_no_config(void) {
    return OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_LOAD_SSL_STRINGS, NULL);
}

static inline void gg_engine_load_dynamic(void) { ENGINE_load_dynamic(); }

static inline unsigned int gg_engine_method_all(void) { return ENGINE_METHOD_ALL; }

static inline long gg_bio_get_mem_data(BIO *bio, char **out) { return BIO_get_mem_data(bio, out); }

static inline long gg_bio_pending(BIO *bio) { return (long)BIO_ctrl_pending(bio); }

static inline int gg_bio_should_retry(BIO *bio) { return BIO_should_retry(bio); }

static inline long gg_ssl_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long gg_ssl_ctx_set_min_proto(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}

static inline long gg_ssl_ctx_set_max_proto(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}

static inline long gg_ssl_ctx_set_options(SSL_CTX *ctx, uint64_t options) {
    return (long)SSL_CTX_set_options(ctx, options);
}

static inline long gg_ssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline int gg_sk_x509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }

static inline X509 *gg_sk_x509_value(const STACK_OF(X509) *stack, int index) {
    return sk_X509_value(stack, index);
}

static inline STACK_OF(X509) *gg_sk_x509_new_null(void) { return sk_X509_new_null(); }

static inline int gg_sk_x509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }

static inline void gg_sk_x509_free(STACK_OF(X509) *stack) { sk_X509_free(stack); }

static inline void gg_sk_x509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

static inline int gg_evp_pkey_ctx_set_signature_md(EVP_PKEY_CTX *ctx, const EVP_MD *md) {
    return EVP_PKEY_CTX_set_signature_md(ctx, md);
}

/* --- TLS module (Sources/TLS) --- */

static inline uint64_t gg_ssl_op_no_renegotiation(void) { return SSL_OP_NO_RENEGOTIATION; }

static inline uint64_t gg_ssl_op_no_compression(void) { return SSL_OP_NO_COMPRESSION; }

static inline uint64_t gg_ssl_op_no_ticket(void) { return SSL_OP_NO_TICKET; }

static inline long gg_ssl_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }

static inline int gg_ssl_get_ex_new_index(void) { return SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

static inline long gg_ssl_ctx_sess_set_cache_size(SSL_CTX *ctx, long size) {
    return SSL_CTX_sess_set_cache_size(ctx, size);
}

static inline long gg_ssl_ctx_set_tlsext_servername_callback(SSL_CTX *ctx, int (*callback)(SSL *, int *, void *)) {
    return SSL_CTX_set_tlsext_servername_callback(ctx, callback);
}

/* RFC 2253 escaping in certificate order (as `openssl x509 -subject` lists it), UTF-8 kept as is so
   Cyrillic names stay readable. */
static inline unsigned long gg_xn_flags_utf8(void) {
    return (XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV) & ~ASN1_STRFLGS_ESC_MSB;
}

static inline long gg_bio_set_mem_eof_return(BIO *bio, long value) { return BIO_set_mem_eof_return(bio, value); }

static inline int gg_sk_x509_name_num(const STACK_OF(X509_NAME) *stack) { return sk_X509_NAME_num(stack); }

#endif
