/*
 * consentgate.ledger._hashes: RFC 9162 leaf and interior hashes of many inputs in one call.
 *
 * Why by hand: hashlib has no call that hashes many inputs, and each of its calls has a fixed
 * cost (a context is made and copied) about as large as hashing a 400-byte entry; integrating a
 * leaf into the tree needs two hashes, so with hashlib alone integration cannot run faster than
 * about half of a bare hashlib loop. This module is only that loop moved to C: the hashing
 * itself is OpenSSL's SHA-256, the same library hashlib uses, and tree.py keeps the hashlib
 * versions of both functions (used when this module is not built), which the tests compare
 * byte for byte with these.
 *
 * Built by `make native` (consentgate.native) and linked with libcrypto.
 */
#define PY_SSIZE_T_CLEAN
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init/Update/Final: OpenSSL's direct digest API */
#include <Python.h>
#include <openssl/sha.h>

#define HASH_SIZE 32

static const unsigned char LEAF_PREFIX = 0x00;
static const unsigned char NODE_PREFIX = 0x01;

/* SHA-256(prefix || a || b) as a new bytes object, or NULL with an exception set. */
static PyObject *
digest(unsigned char prefix, const void *a, Py_ssize_t a_len, const void *b, Py_ssize_t b_len)
{
    unsigned char out[HASH_SIZE];
    SHA256_CTX ctx;
    if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, &prefix, 1) ||
        !SHA256_Update(&ctx, a, (size_t)a_len) ||
        (b_len > 0 && !SHA256_Update(&ctx, b, (size_t)b_len)) || !SHA256_Final(out, &ctx)) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL SHA-256 failed");
        return NULL;
    }
    return PyBytes_FromStringAndSize((const char *)out, HASH_SIZE);
}

PyDoc_STRVAR(leaf_hashes_doc,
             "leaf_hashes(entries) -> list of SHA-256(0x00 || entry), one per bytes-like entry");

static PyObject *
leaf_hashes(PyObject *module, PyObject *entries)
{
    PyObject *seq = PySequence_Fast(entries, "leaf_hashes() takes a sequence of bytes");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *out = PyList_New(n);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_buffer view;
        if (PyObject_GetBuffer(items[i], &view, PyBUF_SIMPLE) < 0) {
            goto fail;
        }
        PyObject *hash = digest(LEAF_PREFIX, view.buf, view.len, NULL, 0);
        PyBuffer_Release(&view);
        if (hash == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(out, i, hash);
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_DECREF(seq);
    Py_DECREF(out);
    return NULL;
}

PyDoc_STRVAR(parent_hashes_doc,
             "parent_hashes(children) -> list of SHA-256(0x01 || children[2i] || children[2i+1]);\n"
             "an odd last child is left out. Every child must be 32 bytes long.");

static PyObject *
parent_hashes(PyObject *module, PyObject *children)
{
    PyObject *seq = PySequence_Fast(children, "parent_hashes() takes a sequence of bytes");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t pairs = PySequence_Fast_GET_SIZE(seq) / 2;
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *out = PyList_New(pairs);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < pairs; i++) {
        Py_buffer left, right;
        if (PyObject_GetBuffer(items[2 * i], &left, PyBUF_SIMPLE) < 0) {
            goto fail;
        }
        if (PyObject_GetBuffer(items[2 * i + 1], &right, PyBUF_SIMPLE) < 0) {
            PyBuffer_Release(&left);
            goto fail;
        }
        PyObject *hash = NULL;
        if (left.len != HASH_SIZE || right.len != HASH_SIZE) {
            PyErr_SetString(PyExc_ValueError, "parent_hashes() takes 32-byte hashes");
        }
        else {
            hash = digest(NODE_PREFIX, left.buf, HASH_SIZE, right.buf, HASH_SIZE);
        }
        PyBuffer_Release(&left);
        PyBuffer_Release(&right);
        if (hash == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(out, i, hash);
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_DECREF(seq);
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"leaf_hashes", leaf_hashes, METH_O, leaf_hashes_doc},
    {"parent_hashes", parent_hashes, METH_O, parent_hashes_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "consentgate.ledger._hashes",
    "RFC 9162 leaf and interior hashes of many inputs in one call (OpenSSL SHA-256).",
    0,
    methods,
};

PyMODINIT_FUNC
PyInit__hashes(void)
{
    return PyModuleDef_Init(&module_def);
}
