"""A validating admission webhook: the Kubernetes rules applied to objects as the API server admits them."""
