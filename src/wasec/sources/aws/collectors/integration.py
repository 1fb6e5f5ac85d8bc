"""Application integration and data movement: AppSync APIs, DataSync tasks, Transfer Family connectors and
MSK Connect connectors."""

from __future__ import annotations

from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.spec import Ctx, collector, known


@collector("appsync", types=["AWS::AppSync::GraphQLApi", "AWS::AppSync::ApiCache"],
           calls=["ListGraphqlApis", "GetApiCache"])
def graphql_apis(ctx: Ctx) -> list[Resource]:
    def one(a: dict[str, Any]) -> list[Resource]:
        log = a.get("logConfig") or {}
        out = [ctx.resource("AWS::AppSync::GraphQLApi", a["apiId"], {
            "Name": a.get("name"), "AuthenticationType": a.get("authenticationType"),
            "AdditionalAuthenticationProviders": [{"AuthenticationType": p.get("authenticationType")}
                                                  for p in a.get("additionalAuthenticationProviders") or ()],
            "LogConfig": {"FieldLogLevel": log.get("fieldLogLevel", "NONE"),
                          "CloudWatchLogsRoleArn": log.get("cloudWatchLogsRoleArn")} if log else None,
        }, arn=a.get("arn"), names=[a.get("name")])]
        cache = known(ctx.item("GetApiCache", absent=("NotFoundException",), apiId=a["apiId"]), "apiCache")
        if cache is not None:
            out.append(ctx.resource("AWS::AppSync::ApiCache", f"{a['apiId']}/cache", {
                "ApiId": a["apiId"],
                "TransitEncryptionEnabled": cache if isinstance(cache, Unknown) else bool(cache.get("transitEncryptionEnabled")),
                "AtRestEncryptionEnabled": cache if isinstance(cache, Unknown) else bool(cache.get("atRestEncryptionEnabled")),
            }, arn=f"{a.get('arn')}/cache"))
        return out

    return [r for rs in ctx.map(one, ctx.pages("ListGraphqlApis", "graphqlApis")) for r in rs]


@collector("datasync", types=["AWS::DataSync::Task"], calls=["ListTasks", "DescribeTask"])
def datasync_tasks(ctx: Ctx) -> list[Resource]:
    def one(t: dict[str, Any]) -> Resource:
        d = ctx.item("DescribeTask", TaskArn=t["TaskArn"])
        return ctx.resource("AWS::DataSync::Task", t["TaskArn"], {
            "Name": t.get("Name"), "CloudWatchLogGroupArn": known(d, "CloudWatchLogGroupArn"),
        }, arn=t["TaskArn"], names=[t.get("Name")])

    return ctx.map(one, ctx.pages("ListTasks", "Tasks"))


@collector("transfer", types=["AWS::Transfer::Connector"], calls=["ListConnectors", "DescribeConnector"])
def transfer_connectors(ctx: Ctx) -> list[Resource]:
    def one(c: dict[str, Any]) -> Resource:
        d = known(ctx.item("DescribeConnector", ConnectorId=c["ConnectorId"]), "Connector")
        return ctx.resource("AWS::Transfer::Connector", c["ConnectorId"], {
            "Url": c.get("Url"), "LoggingRole": known(d, "LoggingRole"), "AccessRole": known(d, "AccessRole"),
        }, arn=c.get("Arn"))

    return ctx.map(one, ctx.pages("ListConnectors", "Connectors"))


@collector("kafkaconnect", types=["AWS::KafkaConnect::Connector"], calls=["ListConnectors"])
def msk_connectors(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::KafkaConnect::Connector", c["connectorName"], {
        "ConnectorName": c["connectorName"],
        "KafkaClusterEncryptionInTransit": {"EncryptionType": (c.get("kafkaClusterEncryptionInTransit") or {})
                                            .get("encryptionType", "PLAINTEXT")},
    }, arn=c.get("connectorArn")) for c in ctx.pages("ListConnectors", "connectors")]
