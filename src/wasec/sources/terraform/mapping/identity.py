"""IAM, KMS, Secrets Manager and SSM parameters."""

from __future__ import annotations

from typing import Any

from wasec.model.values import Unknown
from wasec.sources.terraform.body import Body, Val
from wasec.sources.terraform.mapping import Blk, Builder, attaches, json_doc, maps, simple

_PRINCIPALS = {"aws_iam_role": "AWS::IAM::Role", "aws_iam_user": "AWS::IAM::User", "aws_iam_group": "AWS::IAM::Group"}


@maps("aws_iam_role", "AWS::IAM::Role")
def _role(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "name": "RoleName",
        "path": "Path",
        "description": "Description",
        "assume_role_policy": ("AssumeRolePolicyDocument", json_doc),
        "managed_policy_arns": "ManagedPolicyArns",
        "permissions_boundary": "PermissionsBoundary",
        "max_session_duration": "MaxSessionDuration",
    })
    for ip in b.blocks("inline_policy"):
        _add_inline(o, ip.attr("name"), ip.attr("policy"), ip.line, ip.file)
    o.name(b.attr("name"))


@maps("aws_iam_user", "AWS::IAM::User")
def _user(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "UserName", "path": "Path", "permissions_boundary": "PermissionsBoundary"})
    o.name(b.attr("name"))


@maps("aws_iam_group", "AWS::IAM::Group")
def _group(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "GroupName", "path": "Path"})
    o.name(b.attr("name"))


@maps("aws_iam_policy", "AWS::IAM::ManagedPolicy")
def _policy(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "ManagedPolicyName", "path": "Path", "description": "Description", "policy": ("PolicyDocument", json_doc)})
    o.name(b.attr("name"))


def _add_inline(o: Builder, name: Val | None, policy: Val | None, line: int, file: str) -> None:
    if policy is None:
        return
    idx = o.append("Policies", {}, line, file)
    if name is not None:
        o.set(f"Policies.{idx}.PolicyName", name)
    o.set(f"Policies.{idx}.PolicyDocument", policy, json_doc)


def _inline(kind: str) -> None:
    @attaches(f"aws_iam_{kind}_policy", _PRINCIPALS[f"aws_iam_{kind}"], via=kind)
    def fn(b: Body, o: Builder, m: Any) -> None:
        _add_inline(o, b.attr("name"), b.attr("policy"), b.line, b.file)


def _attachment(kind: str) -> None:
    @attaches(f"aws_iam_{kind}_policy_attachment", _PRINCIPALS[f"aws_iam_{kind}"], via=kind)
    def fn(b: Body, o: Builder, m: Any) -> None:
        arn = b.attr("policy_arn")
        if arn is not None:
            o.append("ManagedPolicyArns", arn.value, arn.line, arn.file)


for _kind in ("role", "user", "group"):
    _inline(_kind)
    _attachment(_kind)


@maps("aws_iam_policy_attachment", "Wasec::Terraform::PolicyAttachment")
def _policy_attachment(b: Body, o: Builder, m: Any) -> None:
    """Exclusive attachment to several principals: each principal gets the policy ARN."""
    arn = b.attr("policy_arn")
    if arn is None:
        return
    for attr, tf_type in (("roles", "aws_iam_role"), ("users", "aws_iam_user"), ("groups", "aws_iam_group")):
        v = b.attr(attr)
        if v is None or not isinstance(v.value, list):
            continue
        for item in v.value:
            parent = m.parent(Val(item, v.line, v.file), _PRINCIPALS[tf_type])
            parent.append("ManagedPolicyArns", arn.value, arn.line, arn.file)
    m.drop()


# IAM Identity Center: a permission set is an identity policy provisioned as a role in every account it is
# assigned to, so the IAM rules read its inline policy and managed policies as they read a role's.
@maps("aws_ssoadmin_permission_set", "AWS::SSO::PermissionSet")
def _permission_set(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "description": "Description", "instance_arn": "InstanceArn",
               "session_duration": "SessionDuration", "relay_state": "RelayStateType"})
    o.name(b.attr("name"))


@attaches("aws_ssoadmin_permission_set_inline_policy", "AWS::SSO::PermissionSet", via="permission_set_arn")
def _permission_set_inline(b: Body, o: Builder, m: Any) -> None:
    o.set("InlinePolicy", b.attr("inline_policy"), json_doc)


@attaches("aws_ssoadmin_managed_policy_attachment", "AWS::SSO::PermissionSet", via="permission_set_arn")
def _permission_set_managed(b: Body, o: Builder, m: Any) -> None:
    arn = b.attr("managed_policy_arn")
    if arn is not None:
        o.append("ManagedPolicies", arn.value, arn.line, arn.file)


@attaches("aws_ssoadmin_customer_managed_policy_attachment", "AWS::SSO::PermissionSet", via="permission_set_arn")
def _permission_set_customer(b: Body, o: Builder, m: Any) -> None:
    for ref in b.blocks("customer_managed_policy_reference"):
        idx = o.append("CustomerManagedPolicyReferences", {}, ref.line, ref.file)
        o.set(f"CustomerManagedPolicyReferences.{idx}.Name", ref.attr("name"))
        o.set(f"CustomerManagedPolicyReferences.{idx}.Path", ref.attr("path"))


@maps("aws_iam_group_membership", "Wasec::Terraform::GroupMembership")
def _membership(b: Body, o: Builder, m: Any) -> None:
    group, users = b.attr("group"), b.attr("users")
    if group is None or users is None or not isinstance(users.value, list):
        m.drop()
        return
    for u in users.value:
        user = m.parent(Val(u, users.line, users.file), "AWS::IAM::User")
        user.append("Groups", group.value, group.line, group.file)
    m.drop()


@attaches("aws_iam_user_group_membership", "AWS::IAM::User", via="user")
def _user_groups(b: Body, o: Builder, m: Any) -> None:
    g = b.attr("groups")
    if g is not None and isinstance(g.value, list):
        for item in g.value:
            o.append("Groups", item, g.line, g.file)


@attaches("aws_iam_user_login_profile", "AWS::IAM::User", via="user")
def _login_profile(b: Body, o: Builder, m: Any) -> None:
    o.put("LoginProfile", {}, b.line, b.file)
    o.set("LoginProfile.PasswordResetRequired", b.attr("password_reset_required"))


simple("aws_iam_access_key", "AWS::IAM::AccessKey", {"user": "UserName", "status": "Status", "pgp_key": "PgpKey"})
simple("aws_iam_instance_profile", "AWS::IAM::InstanceProfile", {
    "name": "InstanceProfileName", "role": ("Roles", lambda v: [v]), "roles": "Roles",
}, name="name")
simple("aws_iam_account_password_policy", "Wasec::IAM::AccountPasswordPolicy", {
    "minimum_password_length": "MinimumPasswordLength",
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase_characters": "RequireUppercaseCharacters",
    "require_lowercase_characters": "RequireLowercaseCharacters",
    "allow_users_to_change_password": "AllowUsersToChangePassword",
    "max_password_age": "MaxPasswordAge",
    "password_reuse_prevention": "PasswordReusePrevention",
    "hard_expiry": "HardExpiry",
})


@maps("aws_kms_key", "AWS::KMS::Key")
def _kms_key(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "description": "Description",
        "enable_key_rotation": "EnableKeyRotation",
        "key_usage": "KeyUsage",
        "customer_master_key_spec": "KeySpec",
        "key_spec": "KeySpec",
        "policy": ("KeyPolicy", json_doc),
        "deletion_window_in_days": "PendingWindowInDays",
        "is_enabled": "Enabled",
        "multi_region": "MultiRegion",
    })
    if b.attr("enable_key_rotation") is None:
        o.put("EnableKeyRotation", False)  # the Terraform provider's default


simple("aws_kms_alias", "AWS::KMS::Alias", {"name": "AliasName", "target_key_id": "TargetKeyId"}, name="name")


@attaches("aws_kms_key_policy", "AWS::KMS::Key", via="key_id")
def _kms_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("KeyPolicy", b.attr("policy"))


@maps("aws_secretsmanager_secret", "AWS::SecretsManager::Secret")
def _secret(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "kms_key_id": "KmsKeyId", "description": "Description",
               "recovery_window_in_days": "RecoveryWindowInDays", "policy": ("ResourcePolicy", json_doc)})
    o.name(b.attr("name"))


@attaches("aws_secretsmanager_secret_policy", "AWS::SecretsManager::Secret", via="secret_arn")
def _secret_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("ResourcePolicy", b.attr("policy"))


@maps("aws_secretsmanager_secret_rotation", "AWS::SecretsManager::RotationSchedule")
def _rotation(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "secret_id": "SecretId",
        "rotation_lambda_arn": "RotationLambdaARN",
        "rotation_rules": Blk("RotationRules", {"automatically_after_days": "AutomaticallyAfterDays",
                                                "schedule_expression": "ScheduleExpression"}),
    })


@maps("aws_ssm_parameter", "Wasec::SSM::ParameterLookup", data=True)
def _ssm_parameter_lookup(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name"})  # AWS's public parameters name things: /aws/service/ami-amazon-linux-latest/…


@maps("aws_ssm_parameter", "AWS::SSM::Parameter")
def _ssm_parameter(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "type": "Type", "value": "Value", "key_id": "KmsKeyId", "tier": "Tier"})
    o.name(b.attr("name"))


def _yaml_doc(v: Any) -> Any:
    """A YAML document attribute (an SSM document written in YAML); text that is not YAML stays unknown."""
    if not isinstance(v, str):
        return json_doc(v)
    from wasec.errors import ParseError
    from wasec.sources.documents import load_yaml  # bounded: an alias bomb is refused, not expanded

    try:
        return load_yaml(v)[0]
    except ParseError as e:
        return Unknown(f"document is not valid YAML ({e.message})")


@maps("aws_ssm_document", "AWS::SSM::Document")
def _ssm_document(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "document_type": "DocumentType", "document_format": "DocumentFormat"})
    o.name(b.attr("name"))
    fmt = b.attr("document_format")
    o.set("Content", b.attr("content"), _yaml_doc if fmt is not None and str(fmt.value).upper() == "YAML" else json_doc)
    perms = b.attr("permissions")
    if perms is None:
        return
    o.put("Permissions", {}, perms.line, perms.file)
    if isinstance(perms.value, dict):
        # permissions = { type = "Share", account_ids = "All" | "111122223333,444455556666" }
        o.put("Permissions.Type", perms.value.get("type"), perms.line, perms.file)
        ids = perms.value.get("account_ids")
        o.put("Permissions.AccountIds", [x.strip() for x in ids.split(",")] if isinstance(ids, str) else ids,
              perms.line, perms.file)
    else:
        o.set("Permissions", perms)

simple("aws_iam_server_certificate", "AWS::IAM::ServerCertificate", {"name": "ServerCertificateName", "path": "Path"},
       name="name")
simple("aws_cognito_identity_pool", "AWS::Cognito::IdentityPool", {
    "identity_pool_name": "IdentityPoolName", "allow_unauthenticated_identities": "AllowUnauthenticatedIdentities",
}, name="identity_pool_name")


simple("aws_ssm_service_setting", "Wasec::SSM::ServiceSetting", {"setting_id": "SettingId", "setting_value": "SettingValue"})
simple("aws_transfer_connector", "AWS::Transfer::Connector", {"url": "Url", "logging_role": "LoggingRole",
                                                              "access_role": "AccessRole"})
simple("aws_cognito_user_pool", "AWS::Cognito::UserPool", {
    "name": "UserPoolName", "mfa_configuration": "MfaConfiguration",
    "password_policy": Blk("Policies.PasswordPolicy", {
        "minimum_length": "MinimumLength", "require_lowercase": "RequireLowercase", "require_uppercase": "RequireUppercase",
        "require_numbers": "RequireNumbers", "require_symbols": "RequireSymbols",
        "temporary_password_validity_days": "TemporaryPasswordValidityDays",
    }),
}, name="name")


@maps("aws_acmpca_certificate_authority", "AWS::ACMPCA::CertificateAuthority")
def _private_ca(b: Body, o: Builder, m: Any) -> None:
    kind = b.attr("type")
    if kind is None:
        o.put("Type", "SUBORDINATE", b.line, b.file)  # the provider's default
    o.copy(b, {"type": "Type", "enabled": ("Status", lambda v: "ACTIVE" if v else "DISABLED")})


# AWS Organizations: the tree and its service control policies (read by `wasec org guardrails`)
simple("aws_organizations_organization", "AWS::Organizations::Organization",
       {"feature_set": "FeatureSet", "enabled_policy_types": "EnabledPolicyTypes"})
simple("aws_organizations_organizational_unit", "AWS::Organizations::OrganizationalUnit",
       {"name": "Name", "parent_id": "ParentId"}, name="name")


@maps("aws_organizations_policy", "AWS::Organizations::Policy")
def _org_policy(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "description": "Description", "type": "Type", "content": ("Content", json_doc)})
    if b.attr("type") is None:
        o.put("Type", "SERVICE_CONTROL_POLICY", b.line, b.file)  # the provider's default
    o.name(b.attr("name"))


@attaches("aws_organizations_policy_attachment", "AWS::Organizations::Policy", via="policy_id")
def _org_policy_attachment(b: Body, o: Builder, m: Any) -> None:
    target = b.attr("target_id")
    if target is not None:
        o.append("TargetIds", target.value, target.line, target.file)


@maps("aws_organizations_account", "AWS::Organizations::Account")
def _org_account(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "AccountName", "email": "Email"})
    parent = b.attr("parent_id")
    if parent is not None:
        o.append("ParentIds", parent.value, parent.line, parent.file)
    o.name(b.attr("name"))
simple("aws_cognito_user_pool_client", "AWS::Cognito::UserPoolClient", {
    "name": "ClientName", "user_pool_id": "UserPoolId", "explicit_auth_flows": "ExplicitAuthFlows",
    "prevent_user_existence_errors": "PreventUserExistenceErrors",
})
simple("aws_iot_policy", "AWS::IoT::Policy", {"name": "PolicyName", "policy": ("PolicyDocument", json_doc)},
       name="name")
