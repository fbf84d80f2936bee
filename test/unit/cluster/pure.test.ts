import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../../src/cluster/errors';
import { checkImageVersion, defaultImage, versionOfTag } from '../../../src/cluster/preflight';
import { parseQuantity } from '../../../src/cluster/quantity';
import { hollowNodeNames } from '../../../src/cluster/services';
import { redact, redactSecretData } from '../../../src/core/redact';
import { generateHollowNodeManifest, withDefaults } from '../../../src/core/manifest';

const ctx = { context: 'lab-masters', server: 'https://10.0.0.1:6443' };
const v = { gitVersion: 'v1.37.2', major: '1', minor: '37' };

describe('error messages say what to do next', () => {
  test('401, 403 with the permission, 404, network, TLS', () => {
    assert.match(classify({ code: 401, body: '{"message":"Unauthorized"}' }, ctx).message, /credentials of context lab-masters \(https:\/\/10\.0\.0\.1:6443\) were rejected \(401 Unauthorized\)\. Refresh them/);
    const forbidden = classify({ code: 403, body: JSON.stringify({ message: 'statefulsets.apps is forbidden: User "alice" cannot create resource "statefulsets" in API group "apps" in the namespace "kubemark"' }) }, ctx);
    assert.match(forbidden.message, /lacks the permission to create statefulsets\.apps in namespace kubemark \(403 Forbidden\)\. Ask a cluster admin/);
    const clusterScope = classify({ code: 403, body: { message: 'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope' } }, ctx);
    assert.match(clusterScope.message, /permission to list nodes at cluster scope/);
    assert.match(classify(Object.assign(new Error('request to https://10.0.0.1:6443/version failed, reason: connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' }), ctx).message, /Cannot reach lab-masters .*: connection refused\. Check that the cluster is running/);
    assert.match(classify(new Error('getaddrinfo ENOTFOUND nowhere.example'), ctx).message, /host name does not resolve/);
    assert.match(classify(new Error('self-signed certificate in certificate chain'), ctx).message, /TLS to lab-masters .* failed/);
    assert.match(classify({ code: 404, body: {} }, { ...ctx, action: 'read pod kubemark/x' }).message, /Not found in lab-masters .* while trying to read pod kubemark\/x/);
  });

  test('an answer that is not readable HTTP (the follow reader\'s, node:http\'s, or wrapped as a cause) is said so; TLS errors stay TLS errors', async () => {
    const { HttpProtocolError } = await import('../../../src/cluster/followStream');
    const notHttp = /^lab-masters \(https:\/\/10\.0\.0\.1:6443\) answered while trying to follow logs of p\/c with something that is not readable HTTP\. Check that the server in your kubeconfig is the apiserver itself/;
    const follow = { ...ctx, action: 'follow logs of p/c' };
    assert.match(classify(new HttpProtocolError('no HTTP/1.x status line'), follow).message, notHttp);
    assert.match(classify(Object.assign(new Error('Parse Error: Expected HTTP/'), { code: 'HPE_INVALID_CONSTANT' }), follow).message, notHttp);
    assert.match(classify(new TypeError('fetch failed', { cause: Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_CONSTANT' }) }), follow).message, notHttp);
    assert.match(classify(Object.assign(new Error('Hostname/IP does not match certificate\'s altnames'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), follow).message, /^TLS to lab-masters/);
  });
});

describe('preflight pieces', () => {
  test('image tag against the masters version', () => {
    assert.equal(checkImageVersion('r/kubemark:v1.37.2', v).level, 'ok');
    assert.equal(checkImageVersion('r/kubemark:v1.37.0', v).level, 'ok');
    // The kubelet skew policy: up to three minors older is fine, older is a warning, newer an error.
    const within = checkImageVersion('r/kubemark:v1.34.4', v);
    assert.equal(within.level, 'ok');
    assert.match(within.message, /3 minor versions older .* within the kubelet skew policy/);
    const old = checkImageVersion('r/kubemark:v1.31.4', v);
    assert.equal(old.level, 'warning');
    assert.match(old.message, /\(Kubernetes 1\.31\) is 6 minor versions older than the masters cluster \(v1\.37\.2\), beyond the kubelet skew policy/);
    const newer = checkImageVersion('r/kubemark:v1.37.2', { ...v, gitVersion: 'v1.36.1', minor: '36' });
    assert.equal(newer.level, 'error');
    // From 1.38 on there is no kubemark of the masters' version: never advise make WHAT=cmd/kubemark.
    const m38 = checkImageVersion('r/kubemark:latest', { gitVersion: 'v1.38.0', major: '1', minor: '38' });
    assert.doesNotMatch(m38.message, /make WHAT/);
    assert.match(m38.message, /v1\.37 image/);
    assert.equal(checkImageVersion('r/kubemark:latest', v).level, 'warning');
    assert.deepEqual(versionOfTag('v1.34.1-gke.100'), { major: 1, minor: 34, patch: 1 });
    assert.equal(defaultImage('registry.example.com/kubemark', { ...v, gitVersion: 'v1.37.2+k3s1' }), 'registry.example.com/kubemark:v1.37.2');
    assert.equal(defaultImage('', v), '');
  });

  test('quantities', () => {
    assert.equal(parseQuantity('40m'), 0.04);
    assert.equal(parseQuantity('100Mi'), 100 * 2 ** 20);
    assert.equal(parseQuantity('50M'), 50e6);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('junk'), 0);
  });

  test('hollow node names follow the StatefulSet ordinals', () => {
    assert.deepEqual(hollowNodeNames('hollow-node', 3), ['hollow-node-0', 'hollow-node-1', 'hollow-node-2']);
  });
});

describe('credentials stay out of text', () => {
  test('redact masks tokens, keys, PEM blocks and long base64', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----';
    const text = `Authorization: Bearer abcdefghijklmnop123\ntoken: s3cr3t-t0ken\nclient-key-data: ${'QUJD'.repeat(40)}\n${pem}`;
    const out = redact(text);
    for (const secret of ['abcdefghijklmnop123', 's3cr3t-t0ken', 'QUJDQUJD', 'MHcCAQEEIB']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  });

  test('the manifest shown for review has no Secret values', () => {
    const kubeconfig = 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: super-secret-token\n';
    const m = generateHollowNodeManifest(withDefaults({ image: 'r/kubemark:v1.37.2', mastersKubeconfig: kubeconfig }));
    const encoded = Buffer.from(kubeconfig).toString('base64');
    assert.ok(m.yaml.includes(encoded));
    const shown = redactSecretData(m.yaml);
    assert.ok(!shown.includes(encoded));
    assert.match(shown, /kubelet\.kubeconfig: <\d+ bytes of kubeconfig, not shown>/);
  });
});

describe('server URLs never show user:password@', () => {
  test('displayUrl and redact', async () => {
    const { displayUrl } = await import('../../../src/core/redact');
    assert.equal(displayUrl('https://admin:s3cret@10.0.0.1:6443/prefix'), 'https://10.0.0.1:6443/prefix');
    assert.equal(displayUrl('https://10.0.0.1:6443'), 'https://10.0.0.1:6443');
    assert.equal(redact('dial https://admin:s3cret@10.0.0.1:6443/api failed'), 'dial https://<redacted>@10.0.0.1:6443/api failed');
    const e = classify(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), { context: 'c', server: 'https://u:p4ss@h:6443' });
    assert.ok(!e.message.includes('p4ss'), e.message);
    assert.match(e.message, /\(https:\/\/h:6443\)/);
  });
});
