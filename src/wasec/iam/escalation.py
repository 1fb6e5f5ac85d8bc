"""Privilege-escalation methods: sets of IAM actions that let a principal gain permissions it was not given.

The methods are the ones catalogued publicly since Rhino Security Labs' 2018 research (and later
additions by the community: CodeBuild, SageMaker, ECS, SSM, permission boundaries…). Each needs
every one of its ``requires`` groups; a group is satisfied by any one of its actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from wasec.iam.catalog import Catalog


@dataclass(frozen=True)
class Method:
    id: str
    title: str
    requires: tuple[tuple[str, ...], ...]
    how: str

    def enabled_by(self, granted: frozenset[int], cat: Catalog) -> list[str] | None:
        chosen = []
        for group in self.requires:
            hit = next((a for a in group if (i := cat.index.get(a.lower())) is not None and i in granted), None)
            if hit is None:
                return None
            chosen.append(hit)
        return chosen


def _m(id: str, title: str, how: str, *requires: str) -> Method:
    return Method(id, title, tuple(tuple(r.split("|")) for r in requires), how)


PASS = "iam:PassRole"
METHODS: tuple[Method, ...] = (
    _m("CreatePolicyVersion", "Create a new version of a managed policy",
       "write a new default version of a policy attached to the principal, granting *:*",
       "iam:CreatePolicyVersion"),
    _m("SetDefaultPolicyVersion", "Switch a managed policy to an older, broader version",
       "make a more permissive earlier version of an attached policy the default", "iam:SetDefaultPolicyVersion"),
    _m("AttachUserPolicy", "Attach a managed policy to a user", "attach AdministratorAccess to oneself",
       "iam:AttachUserPolicy"),
    _m("AttachGroupPolicy", "Attach a managed policy to a group", "attach AdministratorAccess to one's group",
       "iam:AttachGroupPolicy"),
    _m("AttachRolePolicy", "Attach a managed policy to a role", "attach AdministratorAccess to a role one can use",
       "iam:AttachRolePolicy"),
    _m("PutUserPolicy", "Write an inline policy on a user", "put an inline *:* policy on oneself", "iam:PutUserPolicy"),
    _m("PutGroupPolicy", "Write an inline policy on a group", "put an inline *:* policy on one's group",
       "iam:PutGroupPolicy"),
    _m("PutRolePolicy", "Write an inline policy on a role", "put an inline *:* policy on a role one can use",
       "iam:PutRolePolicy"),
    _m("AddUserToGroup", "Add a user to a group", "join a more privileged group", "iam:AddUserToGroup"),
    _m("CreateAccessKey", "Create an access key for another user",
       "mint long-lived keys for a more privileged user", "iam:CreateAccessKey"),
    _m("CreateLoginProfile", "Create a console password for another user",
       "set a console password on a more privileged user without one", "iam:CreateLoginProfile"),
    _m("UpdateLoginProfile", "Change another user's console password",
       "reset the console password of a more privileged user", "iam:UpdateLoginProfile"),
    _m("UpdateAssumeRolePolicy", "Rewrite a role's trust policy and assume it",
       "add oneself to a privileged role's trust policy, then assume it", "iam:UpdateAssumeRolePolicy",
       "sts:AssumeRole"),
    _m("DeletePermissionsBoundary", "Remove or replace a permissions boundary",
       "lift the boundary that limits one's own permissions",
       "iam:DeleteUserPermissionsBoundary|iam:DeleteRolePermissionsBoundary|iam:PutUserPermissionsBoundary|"
       "iam:PutRolePermissionsBoundary"),
    _m("PassRoleToLambda", "Pass a role to a new Lambda function and invoke it",
       "create a function running as a privileged role and invoke it", PASS, "lambda:CreateFunction",
       "lambda:InvokeFunction|lambda:CreateEventSourceMapping|lambda:CreateFunctionUrlConfig"),
    _m("UpdateLambdaCode", "Replace the code of an existing Lambda function",
       "run one's own code as the function's (privileged) role", "lambda:UpdateFunctionCode"),
    _m("PassRoleToEC2", "Pass a role to a new EC2 instance",
       "launch an instance with a privileged instance profile and read its credentials", PASS,
       "ec2:RunInstances|ec2:RequestSpotInstances|autoscaling:CreateLaunchConfiguration|ec2:CreateLaunchTemplate"),
    _m("PassRoleToCloudFormation", "Pass a role to a CloudFormation stack",
       "create a stack that runs as a privileged service role", PASS,
       "cloudformation:CreateStack|cloudformation:CreateStackSet|cloudformation:UpdateStack"),
    _m("CloudFormationChangeSet", "Change an existing stack that runs as a service role",
       "create and execute a change set on a stack whose service role is more privileged",
       "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"),
    _m("PassRoleToGlue", "Pass a role to a Glue job or development endpoint",
       "run code in Glue as a privileged role", PASS, "glue:CreateDevEndpoint|glue:CreateJob|glue:UpdateJob"),
    _m("UpdateGlueDevEndpoint", "Take over an existing Glue development endpoint",
       "add one's SSH key to an endpoint running as a privileged role", "glue:UpdateDevEndpoint"),
    _m("PassRoleToDataPipeline", "Pass a role to a Data Pipeline",
       "run commands in a pipeline as a privileged role", PASS, "datapipeline:CreatePipeline",
       "datapipeline:PutPipelineDefinition"),
    _m("PassRoleToCodeBuild", "Pass a role to a CodeBuild project",
       "run a build as a privileged service role", PASS, "codebuild:CreateProject|codebuild:UpdateProject",
       "codebuild:StartBuild|codebuild:StartBuildBatch"),
    _m("PassRoleToSageMaker", "Pass a role to a SageMaker notebook, job or training",
       "run code in SageMaker as a privileged role", PASS,
       "sagemaker:CreateNotebookInstance|sagemaker:CreateTrainingJob|sagemaker:CreateProcessingJob"),
    _m("SageMakerNotebookAccess", "Open an existing SageMaker notebook",
       "get a shell in a notebook that runs as its (privileged) role", "sagemaker:CreatePresignedNotebookInstanceUrl"),
    _m("PassRoleToECS", "Pass a role to an ECS task",
       "register a task definition with a privileged task role and run it", PASS, "ecs:RegisterTaskDefinition",
       "ecs:RunTask|ecs:StartTask|ecs:CreateService|ecs:UpdateService"),
    _m("PassRoleToAppRunner", "Pass a role to an App Runner service",
       "run a service as a privileged instance role", PASS, "apprunner:CreateService"),
    _m("PassRoleToStepFunctions", "Pass a role to a Step Functions state machine",
       "run a state machine that calls AWS APIs as a privileged role", PASS, "states:CreateStateMachine",
       "states:StartExecution"),
    _m("SSMCommandOnInstances", "Run commands on instances through Systems Manager",
       "run commands on an instance and read its instance-profile credentials", "ssm:SendCommand|ssm:StartSession"),
    _m("EC2InstanceConnect", "Push an SSH key to an instance",
       "log in to an instance and read its instance-profile credentials", "ec2-instance-connect:SendSSHPublicKey"),
    _m("ModifyInstanceUserData", "Replace an instance's user data",
       "run code at the next boot of an instance with a privileged profile", "ec2:ModifyInstanceAttribute",
       "ec2:StartInstances"),
)
