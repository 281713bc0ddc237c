/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Preprocessor helpers to walk the argument list of an entry in
 * common/p11-api.h, e.g. (hSession, pData, ulDataLen): apply a macro to each
 * argument, count them, or make a list of zeros of the same length.  Used by
 * the mock to record arguments and by the tests to call every function.
 */
#ifndef MOCK_P11_EACH_H
#define MOCK_P11_EACH_H

#define P11E_CAT(a, b) P11E_CAT_ (a, b)
#define P11E_CAT_(a, b) a##b
#define P11E_UNPAREN(...) __VA_ARGS__

#define P11E_NARG(...) P11E_NARG_ (__VA_ARGS__, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define P11E_NARG_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, n, ...) n

#define P11E_EACH(f, ...) P11E_CAT (P11E_EACH_, P11E_NARG (__VA_ARGS__)) (f, __VA_ARGS__)
#define P11E_EACH_1(f, x) f (x)
#define P11E_EACH_2(f, x, ...) f (x) P11E_EACH_1 (f, __VA_ARGS__)
#define P11E_EACH_3(f, x, ...) f (x) P11E_EACH_2 (f, __VA_ARGS__)
#define P11E_EACH_4(f, x, ...) f (x) P11E_EACH_3 (f, __VA_ARGS__)
#define P11E_EACH_5(f, x, ...) f (x) P11E_EACH_4 (f, __VA_ARGS__)
#define P11E_EACH_6(f, x, ...) f (x) P11E_EACH_5 (f, __VA_ARGS__)
#define P11E_EACH_7(f, x, ...) f (x) P11E_EACH_6 (f, __VA_ARGS__)
#define P11E_EACH_8(f, x, ...) f (x) P11E_EACH_7 (f, __VA_ARGS__)
#define P11E_EACH_9(f, x, ...) f (x) P11E_EACH_8 (f, __VA_ARGS__)
#define P11E_EACH_10(f, x, ...) f (x) P11E_EACH_9 (f, __VA_ARGS__)

/* f applied to every argument of a parenthesised list: P11E_EACH_T (f, (a, b)). */
#define P11E_EACH_T(f, tuple) P11E_EACH_I (f, P11E_UNPAREN tuple)
#define P11E_EACH_I(f, ...) P11E_EACH (f, __VA_ARGS__)

/* Number of arguments in a parenthesised list. */
#define P11E_COUNT_T(tuple) P11E_COUNT_I (P11E_UNPAREN tuple)
#define P11E_COUNT_I(...) P11E_NARG (__VA_ARGS__)

/* As many zeros as the list has arguments, comma-separated: a call of any
 * PKCS#11 function with every pointer NULL and every number 0. */
#define P11E_ZEROS_T(tuple) P11E_CAT (P11E_ZEROS_, P11E_COUNT_T (tuple))
#define P11E_ZEROS_1 0
#define P11E_ZEROS_2 0, 0
#define P11E_ZEROS_3 0, 0, 0
#define P11E_ZEROS_4 0, 0, 0, 0
#define P11E_ZEROS_5 0, 0, 0, 0, 0
#define P11E_ZEROS_6 0, 0, 0, 0, 0, 0
#define P11E_ZEROS_7 0, 0, 0, 0, 0, 0, 0
#define P11E_ZEROS_8 0, 0, 0, 0, 0, 0, 0, 0
#define P11E_ZEROS_9 0, 0, 0, 0, 0, 0, 0, 0, 0
#define P11E_ZEROS_10 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

#endif /* MOCK_P11_EACH_H */
