# The least a pushring instance needs from Consul's ACL system (Consul 1.4+ policy syntax), with
# the defaults consul.service = "pushgateway" and the keys under pushring/pushgateway/. Rename the
# service and the key prefix if you changed consul.service, consul.admitted-key or
# reconcile.lock.key.
#
#   consul acl policy create -name pushring -rules @conf/consul-acl-policy.hcl
#   consul acl token create -description "pushring" -policy-name pushring
#
# Put the token's SecretID in the file named by consul.token-file (re-read when it changes).

# Registrar: register and re-register pushgateways.servers (PUT /v1/agent/service/register).
# Write includes the read that discovery needs (GET /v1/health/service/pushgateway).
service "pushgateway" {
  policy = "write"
}

# Discovery: Consul leaves out of the health answer the instances on nodes the token may not read.
node_prefix "" {
  policy = "read"
}

# Reconciler (reconcile.enabled): the leader lock (pushring/pushgateway/reconcile-leader) and the
# admitted set (pushring/pushgateway/admitted), written by the leader and watched by every instance.
key_prefix "pushring/pushgateway/" {
  policy = "write"
}

# Reconciler: the leader's session, created on the node of the agent pushring talks to.
session_prefix "" {
  policy = "write"
}
