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
# where each PassRole method passes the role (iam:PassedToService): a grant limited to other services does not
# enable it
PASSED_TO = {
    "PassRoleToLambda": ("lambda.amazonaws.com",), "PassRoleToEC2": ("ec2.amazonaws.com",),
    "PassRoleToCloudFormation": ("cloudformation.amazonaws.com",), "PassRoleToGlue": ("glue.amazonaws.com",),
    "GlueInteractiveSession": ("glue.amazonaws.com",), "PassRoleToDataPipeline": ("datapipeline.amazonaws.com",),
    "PassRoleToCodeBuild": ("codebuild.amazonaws.com",), "PassRoleToSageMaker": ("sagemaker.amazonaws.com",),
    "PassRoleToECS": ("ecs-tasks.amazonaws.com",),
    "PassRoleToAppRunner": ("tasks.apprunner.amazonaws.com", "build.apprunner.amazonaws.com"),
    "PassRoleToStepFunctions": ("states.amazonaws.com",),
    "BedrockCodeInterpreter": ("bedrock-agentcore.amazonaws.com",),
    "BedrockAgentRuntime": ("bedrock-agentcore.amazonaws.com",),
}
# a method whose action a condition can pin to something harmless: (action, condition key, values that still
# escalate). eks:AssociateAccessPolicy pinned to a backup policy does not make its holder a cluster administrator
PINNED = {"EKSAccessEntry": ("eks:AssociateAccessPolicy", "eks:policyArn",
                             ("*AmazonEKSClusterAdminPolicy", "*AmazonEKSAdminPolicy"))}
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
    _m("LaunchTemplateVersion", "Change the launch template an Auto Scaling group uses",
       "add a launch template version with one's user data (or a privileged profile) and make it the default the "
       "group launches", "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"),
    _m("ECSExecuteCommand", "Open a shell in a running ECS task", "exec into a task and use its task role's "
       "credentials", "ecs:ExecuteCommand"),
    _m("SageMakerLifecycleConfig", "Run a lifecycle script on a SageMaker notebook instance",
       "attach or rewrite a notebook's lifecycle configuration and start it: the script runs as the notebook's role",
       "sagemaker:CreateNotebookInstanceLifecycleConfig|sagemaker:UpdateNotebookInstanceLifecycleConfig",
       "sagemaker:StartNotebookInstance"),
    _m("SageMakerStudio", "Open SageMaker Studio as a domain user", "get a presigned Studio URL and run code as the "
       "user profile's execution role", "sagemaker:CreatePresignedDomainUrl"),
    _m("BedrockCodeInterpreter", "Pass a role to a Bedrock AgentCore code interpreter",
       "create a code interpreter with a privileged execution role and run code in a session of it", PASS,
       "bedrock-agentcore:CreateCodeInterpreter", "bedrock-agentcore:StartCodeInterpreterSession",
       "bedrock-agentcore:InvokeCodeInterpreter"),
    _m("BedrockAgentRuntime", "Pass a role to a Bedrock AgentCore runtime",
       "deploy an agent runtime with a privileged role and invoke it", PASS, "bedrock-agentcore:CreateAgentRuntime",
       "bedrock-agentcore:InvokeAgentRuntime"),
    _m("CodeBuildBuildspecOverride", "Start a build of an existing CodeBuild project with one's own buildspec",
       "override the buildspec of a project whose service role is privileged", "codebuild:StartBuild|"
       "codebuild:StartBuildBatch"),
    _m("CloudFormationUpdateStack", "Update an existing stack that runs as a service role",
       "change a stack (or stack set) whose service role is more privileged", "cloudformation:UpdateStack|"
       "cloudformation:UpdateStackSet"),
    _m("AppRunnerUpdateService", "Change the code of an App Runner service", "deploy one's image or code to a "
       "service running as a privileged instance role", "apprunner:UpdateService"),
    _m("StepFunctionsUpdate", "Rewrite an existing state machine", "change a state machine that runs as a privileged "
       "role and start it", "states:UpdateStateMachine", "states:StartExecution"),
    _m("GlueInteractiveSession", "Pass a role to a Glue interactive session", "run statements in a session running "
       "as a privileged role", PASS, "glue:CreateSession", "glue:RunStatement"),
    _m("GlueUpdateJob", "Rewrite an existing Glue job", "change a job's script and run it as the job's role",
       "glue:UpdateJob", "glue:StartJobRun"),
    _m("SSMAssociation", "Associate a command document with instances", "run commands on instances through a State "
       "Manager association and read their instance-profile credentials", "ssm:CreateAssociation"),
    _m("LambdaLayer", "Attach one's own layer to a Lambda function", "publish a layer and add it to a function running "
       "as a privileged role: its code runs in the function", "lambda:PublishLayerVersion",
       "lambda:UpdateFunctionConfiguration"),
    _m("EKSAccessEntry", "Make oneself an administrator of an EKS cluster",
       "create an access entry and associate the cluster admin policy, then use the workloads' roles",
       "eks:CreateAccessEntry", "eks:AssociateAccessPolicy"),
)
