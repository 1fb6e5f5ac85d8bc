"""Databases, caches, search, streams, queues and analytics."""

from __future__ import annotations

from typing import Any

from wasec.sources.terraform.body import Body
from wasec.sources.terraform.mapping import Blk, Builder, as_list, attaches, json_doc, maps, simple

_DB_COMMON = {
    "engine": "Engine",
    "engine_version": "EngineVersion",
    "storage_encrypted": "StorageEncrypted",
    "kms_key_id": "KmsKeyId",
    "backup_retention_period": "BackupRetentionPeriod",
    "deletion_protection": "DeletionProtection",
    "iam_database_authentication_enabled": "EnableIAMDatabaseAuthentication",
    "enabled_cloudwatch_logs_exports": ("EnableCloudwatchLogsExports", as_list),
    "copy_tags_to_snapshot": "CopyTagsToSnapshot",
    "port": "Port",
}


@maps("aws_db_instance", "AWS::RDS::DBInstance")
def _db_instance(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        **_DB_COMMON,
        "identifier": "DBInstanceIdentifier",
        "instance_class": "DBInstanceClass",
        "publicly_accessible": "PubliclyAccessible",
        "multi_az": "MultiAZ",
        "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
        "username": "MasterUsername",
        "password": "MasterUserPassword",
        "manage_master_user_password": "ManageMasterUserPassword",
        "db_name": "DBName",
        "name": "DBName",
        "performance_insights_enabled": "EnablePerformanceInsights",
        "performance_insights_kms_key_id": "PerformanceInsightsKMSKeyId",
        "monitoring_interval": "MonitoringInterval",
        "db_subnet_group_name": "DBSubnetGroupName",
        "ca_cert_identifier": "CACertificateIdentifier",
        "replicate_source_db": "SourceDBInstanceIdentifier",
        "parameter_group_name": "DBParameterGroupName",
    })
    o.name(b.attr("identifier"))


@maps("aws_rds_cluster", "AWS::RDS::DBCluster")
def _rds_cluster(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        **_DB_COMMON,
        "cluster_identifier": "DBClusterIdentifier",
        "master_username": "MasterUsername",
        "master_password": "MasterUserPassword",
        "manage_master_user_password": "ManageMasterUserPassword",
        "database_name": "DatabaseName",
        "backtrack_window": "BacktrackWindow",
        "engine_mode": "EngineMode",
        "db_subnet_group_name": "DBSubnetGroupName",
        "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
        "db_cluster_parameter_group_name": "DBClusterParameterGroupName",
    })
    o.name(b.attr("cluster_identifier"))


simple("aws_rds_cluster_instance", "AWS::RDS::DBInstance", {
    "identifier": "DBInstanceIdentifier",
    "cluster_identifier": "DBClusterIdentifier",
    "engine": "Engine",
    "instance_class": "DBInstanceClass",
    "publicly_accessible": "PubliclyAccessible",
    "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
    "performance_insights_enabled": "EnablePerformanceInsights",
    "performance_insights_kms_key_id": "PerformanceInsightsKMSKeyId",
    "monitoring_interval": "MonitoringInterval",
})
simple("aws_db_snapshot", "Wasec::RDS::DBSnapshot", {"db_instance_identifier": "DBInstanceIdentifier",
                                                    "shared_accounts": "SharedAccounts"})
simple("aws_db_proxy", "AWS::RDS::DBProxy", {"name": "DBProxyName", "require_tls": "RequireTLS", "engine_family": "EngineFamily"})

simple("aws_docdb_cluster", "AWS::DocDB::DBCluster", {
    "cluster_identifier": "DBClusterIdentifier",
    "storage_encrypted": "StorageEncrypted",
    "kms_key_id": "KmsKeyId",
    "enabled_cloudwatch_logs_exports": ("EnableCloudwatchLogsExports", as_list),
    "backup_retention_period": "BackupRetentionPeriod",
    "deletion_protection": "DeletionProtection",
    "master_username": "MasterUsername",
    "master_password": "MasterUserPassword",
    "db_cluster_parameter_group_name": "DBClusterParameterGroupName",
}, name="cluster_identifier")
simple("aws_docdb_cluster_instance", "AWS::DocDB::DBInstance", {
    "identifier": "DBInstanceIdentifier", "cluster_identifier": "DBClusterIdentifier", "instance_class": "DBInstanceClass",
})
simple("aws_neptune_cluster", "AWS::Neptune::DBCluster", {
    "cluster_identifier": "DBClusterIdentifier",
    "storage_encrypted": "StorageEncrypted",
    "kms_key_arn": "KmsKeyId",
    "enable_cloudwatch_logs_exports": ("EnableCloudwatchLogsExports", as_list),
    "backup_retention_period": "BackupRetentionPeriod",
    "deletion_protection": "DeletionProtection",
    "iam_database_authentication_enabled": "IamAuthEnabled",
    "copy_tags_to_snapshot": "CopyTagsToSnapshot",
})


@maps("aws_redshift_cluster", "AWS::Redshift::Cluster")
def _redshift(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "cluster_identifier": "ClusterIdentifier",
        "database_name": "DBName",
        "encrypted": "Encrypted",
        "kms_key_id": "KmsKeyId",
        "publicly_accessible": "PubliclyAccessible",
        "cluster_subnet_group_name": "ClusterSubnetGroupName",
        "enhanced_vpc_routing": "EnhancedVpcRouting",
        "automated_snapshot_retention_period": "AutomatedSnapshotRetentionPeriod",
        "master_username": "MasterUsername",
        "master_password": "MasterUserPassword",
        "cluster_security_groups": "ClusterSecurityGroups",
        "vpc_security_group_ids": "VpcSecurityGroupIds",
        "allow_version_upgrade": "AllowVersionUpgrade",
        "cluster_parameter_group_name": "ClusterParameterGroupName",
        "logging": Blk("LoggingProperties", {"enable": "Enabled", "bucket_name": "BucketName"}),
    })


@attaches("aws_redshift_logging", "AWS::Redshift::Cluster", via="cluster_identifier")
def _redshift_logging(b: Body, o: Builder, m: Any) -> None:
    o.put("LoggingProperties", {"Enabled": True}, b.line, b.file)
    o.copy(b, {"bucket_name": "BucketName", "log_destination_type": "LogDestinationType"}, "LoggingProperties")


simple("aws_redshift_security_group", "AWS::Redshift::ClusterSecurityGroup", {"name": "Name", "description": "Description"})


@maps("aws_dynamodb_table", "AWS::DynamoDB::Table")
def _dynamodb(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "name": "TableName",
        "billing_mode": "BillingMode",
        "deletion_protection_enabled": "DeletionProtectionEnabled",
        "server_side_encryption": Blk("SSESpecification", {"enabled": "SSEEnabled", "kms_key_arn": "KMSMasterKeyId"}),
        "point_in_time_recovery": Blk("PointInTimeRecoverySpecification", {"enabled": "PointInTimeRecoveryEnabled"}),
        # replicas in other regions, in the shape of a CloudFormation global table's Replicas
        "replica": Blk("Replicas", {"region_name": "Region", "kms_key_arn": "SSESpecification.KMSMasterKeyId"}, many=True),
    })
    o.name(b.attr("name"))


simple("aws_dax_cluster", "AWS::DAX::Cluster", {
    "cluster_name": "ClusterName",
    "server_side_encryption": Blk("SSESpecification", {"enabled": "SSEEnabled"}),
    "cluster_endpoint_encryption_type": "ClusterEndpointEncryptionType",
})
simple("aws_elasticache_replication_group", "AWS::ElastiCache::ReplicationGroup", {
    "replication_group_id": "ReplicationGroupId",
    "description": "ReplicationGroupDescription",
    "replication_group_description": "ReplicationGroupDescription",
    "engine": "Engine",
    "engine_version": "EngineVersion",
    "at_rest_encryption_enabled": "AtRestEncryptionEnabled",
    "transit_encryption_enabled": "TransitEncryptionEnabled",
    "kms_key_id": "KmsKeyId",
    "auth_token": "AuthToken",
    "snapshot_retention_limit": "SnapshotRetentionLimit",
    "automatic_failover_enabled": "AutomaticFailoverEnabled",
    "subnet_group_name": "CacheSubnetGroupName",
    "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
})
simple("aws_elasticache_cluster", "AWS::ElastiCache::CacheCluster", {
    "cluster_id": "ClusterName",
    "engine": "Engine",
    "engine_version": "EngineVersion",
    "node_type": "CacheNodeType",
    "snapshot_retention_limit": "SnapshotRetentionLimit",
    "subnet_group_name": "CacheSubnetGroupName",
    "transit_encryption_enabled": "TransitEncryptionEnabled",
    "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
    "replication_group_id": "ReplicationGroupId",
})
simple("aws_elasticache_security_group", "AWS::ElastiCache::SecurityGroup", {"name": "Name", "description": "Description"})


def _search_domain(b: Body, o: Builder, m: Any) -> None:
    version_attr = "ElasticsearchVersion" if o.type == "AWS::Elasticsearch::Domain" else "EngineVersion"
    cluster = "ElasticsearchClusterConfig" if o.type == "AWS::Elasticsearch::Domain" else "ClusterConfig"
    o.copy(b, {
        "domain_name": "DomainName",
        "elasticsearch_version": version_attr,
        "engine_version": version_attr,
        "access_policies": ("AccessPolicies", json_doc),
        "encrypt_at_rest": Blk("EncryptionAtRestOptions", {"enabled": "Enabled", "kms_key_id": "KmsKeyId"}),
        "node_to_node_encryption": Blk("NodeToNodeEncryptionOptions", {"enabled": "Enabled"}),
        "domain_endpoint_options": Blk("DomainEndpointOptions", {
            "enforce_https": "EnforceHTTPS", "tls_security_policy": "TLSSecurityPolicy",
        }),
        "vpc_options": Blk("VPCOptions", {"subnet_ids": "SubnetIds", "security_group_ids": "SecurityGroupIds"}),
        "advanced_security_options": Blk("AdvancedSecurityOptions", {
            "enabled": "Enabled", "internal_user_database_enabled": "InternalUserDatabaseEnabled",
            "master_user_options": Blk("MasterUserOptions", {"master_user_name": "MasterUserName",
                                                             "master_user_password": "MasterUserPassword"}),
        }),
        "cluster_config": Blk(cluster, {
            "instance_count": "InstanceCount", "dedicated_master_enabled": "DedicatedMasterEnabled",
            "dedicated_master_count": "DedicatedMasterCount", "zone_awareness_enabled": "ZoneAwarenessEnabled",
        }),
    })
    for lp in b.blocks("log_publishing_options"):
        t = lp.attr("log_type")
        if t is None or not isinstance(t.value, str):
            continue
        base = f"LogPublishingOptions.{t.value}"
        o.put(base, {"Enabled": True}, lp.line, lp.file)  # enabled defaults to true
        o.copy(lp, {"cloudwatch_log_group_arn": "CloudWatchLogsLogGroupArn", "enabled": "Enabled"}, base)
    o.name(b.attr("domain_name"))


maps("aws_elasticsearch_domain", "AWS::Elasticsearch::Domain")(_search_domain)
maps("aws_opensearch_domain", "AWS::OpenSearchService::Domain")(_search_domain)


@attaches("aws_elasticsearch_domain_policy", "AWS::Elasticsearch::Domain", via="domain_name")
def _es_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("AccessPolicies", b.attr("access_policies"))


@attaches("aws_opensearch_domain_policy", "AWS::OpenSearchService::Domain", via="domain_name")
def _os_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("AccessPolicies", b.attr("access_policies"))


simple("aws_mq_broker", "AWS::AmazonMQ::Broker", {
    "broker_name": "BrokerName",
    "user": Blk("Users", {"username": "Username", "password": "Password"}, many=True),
    "engine_type": "EngineType",
    "publicly_accessible": "PubliclyAccessible",
    "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
    "logs": Blk("Logs", {"audit": "Audit", "general": "General"}),
    "encryption_options": Blk("EncryptionOptions", {"use_aws_owned_key": "UseAwsOwnedKey", "kms_key_id": "KmsKeyId"}),
})


@maps("aws_msk_cluster", "AWS::MSK::Cluster")
def _msk(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "cluster_name": "ClusterName",
        "encryption_info": Blk("EncryptionInfo", {
            "encryption_at_rest_kms_key_arn": "EncryptionAtRest.DataVolumeKMSKeyId",
            "encryption_in_transit": Blk("EncryptionInTransit", {"client_broker": "ClientBroker", "in_cluster": "InCluster"}),
        }),
        "logging_info": Blk("LoggingInfo", {"broker_logs": Blk("BrokerLogs", {
            "cloudwatch_logs": Blk("CloudWatchLogs", {"enabled": "Enabled", "log_group": "LogGroup"}),
            "firehose": Blk("Firehose", {"enabled": "Enabled", "delivery_stream": "DeliveryStream"}),
            "s3": Blk("S3", {"enabled": "Enabled", "bucket": "Bucket"}),
        })}),
        "client_authentication": Blk("ClientAuthentication", {
            "unauthenticated": "Unauthenticated.Enabled",
            "sasl": Blk("Sasl", {"iam": "Iam.Enabled", "scram": "Scram.Enabled"}),
            "tls": Blk("Tls", {"certificate_authority_arns": "CertificateAuthorityArnList"}),
        }),
        "broker_node_group_info": Blk("BrokerNodeGroupInfo", {"connectivity_info": Blk("ConnectivityInfo", {
            "public_access": Blk("PublicAccess", {"type": "Type"}),
        })}),
    })


simple("aws_kinesis_stream", "AWS::Kinesis::Stream", {
    "name": "Name",
    "encryption_type": "StreamEncryption.EncryptionType",
    "kms_key_id": "StreamEncryption.KeyId",
    "retention_period": "RetentionPeriodHours",
})
simple("aws_kinesis_firehose_delivery_stream", "AWS::KinesisFirehose::DeliveryStream", {
    "name": "DeliveryStreamName",
    "server_side_encryption": Blk("DeliveryStreamEncryptionConfigurationInput", {
        "enabled": "Enabled", "key_type": "KeyType", "key_arn": "KeyARN",
    }),
})


@maps("aws_sqs_queue", "AWS::SQS::Queue")
def _sqs(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "QueueName", "kms_master_key_id": "KmsMasterKeyId", "sqs_managed_sse_enabled": "SqsManagedSseEnabled",
               "policy": ("PolicyDocument", json_doc), "message_retention_seconds": "MessageRetentionPeriod"})
    o.name(b.attr("name"))


@attaches("aws_sqs_queue_policy", "AWS::SQS::Queue", via="queue_url")
def _sqs_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("PolicyDocument", b.attr("policy"))


_SNS_PROTOCOLS = ("application", "http", "lambda", "sqs", "firehose")


@maps("aws_sns_topic", "AWS::SNS::Topic")
def _sns(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "TopicName", "kms_master_key_id": "KmsMasterKeyId", "policy": ("PolicyDocument", json_doc)})
    o.name(b.attr("name"))
    # <protocol>_success_feedback_role_arn and _failure_ become CloudFormation's DeliveryStatusLogging entries
    for protocol in _SNS_PROTOCOLS:
        roles = {k: b.attr(f"{protocol}_{tf}_feedback_role_arn") for k, tf in
                 (("SuccessFeedbackRoleArn", "success"), ("FailureFeedbackRoleArn", "failure"))}
        first = next((v for v in roles.values() if v is not None), None)
        if first is None:
            continue
        idx = o.append("DeliveryStatusLogging", {"Protocol": protocol}, first.line, first.file)
        for key, v in roles.items():
            o.set(f"DeliveryStatusLogging.{idx}.{key}", v)


@attaches("aws_sns_topic_policy", "AWS::SNS::Topic", via="arn")
def _sns_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("PolicyDocument", b.attr("policy"))


@maps("aws_athena_workgroup", "AWS::Athena::WorkGroup")
def _athena(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "state": "State"})
    for c in b.blocks("configuration"):
        o.put("WorkGroupConfiguration", {"EnforceWorkGroupConfiguration": True}, c.line, c.file)  # provider default
        o.copy(c, {
            "enforce_workgroup_configuration": "EnforceWorkGroupConfiguration",
            "publish_cloudwatch_metrics_enabled": "PublishCloudWatchMetricsEnabled",
            "result_configuration": Blk("ResultConfiguration", {
                "output_location": "OutputLocation",
                "encryption_configuration": Blk("EncryptionConfiguration", {
                    "encryption_option": "EncryptionOption", "kms_key_arn": "KmsKey",
                }),
            }),
        }, "WorkGroupConfiguration")


simple("aws_athena_database", "Wasec::Athena::Database", {
    "name": "Name", "bucket": "Bucket",
    "encryption_configuration": Blk("EncryptionConfiguration", {"encryption_option": "EncryptionOption", "kms_key": "KmsKey",
                                                                "kms_key_arn": "KmsKey"}),
})
simple("aws_glue_data_catalog_encryption_settings", "AWS::Glue::DataCatalogEncryptionSettings", {
    "data_catalog_encryption_settings": Blk("DataCatalogEncryptionSettings", {
        "encryption_at_rest": Blk("EncryptionAtRest", {"catalog_encryption_mode": "CatalogEncryptionMode",
                                                       "sse_aws_kms_key_id": "SseAwsKmsKeyId"}),
        "connection_password_encryption": Blk("ConnectionPasswordEncryption", {
            "return_connection_password_encrypted": "ReturnConnectionPasswordEncrypted",
        }),
    }),
})


# -- parameter groups: CloudFormation keeps RDS and DocumentDB parameters as a map, Redshift's as a list -------
def _parameter_map(b: Body, o: Builder) -> None:
    for p in b.blocks("parameter"):
        name, value = p.attr("name"), p.attr("value")
        if name is not None and isinstance(name.value, str) and value is not None:
            o.put(("Parameters", name.value), value.value, value.line, value.file)


@maps("aws_db_parameter_group", "AWS::RDS::DBParameterGroup")
def _db_parameters(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "DBParameterGroupName", "family": "Family"})
    o.name(b.attr("name"))
    _parameter_map(b, o)


@maps("aws_rds_cluster_parameter_group", "AWS::RDS::DBClusterParameterGroup")
def _cluster_parameters(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "DBClusterParameterGroupName", "family": "Family"})
    o.name(b.attr("name"))
    _parameter_map(b, o)


@maps("aws_docdb_cluster_parameter_group", "AWS::DocDB::DBClusterParameterGroup")
def _docdb_parameters(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "family": "Family"})
    o.name(b.attr("name"))
    _parameter_map(b, o)


simple("aws_redshift_parameter_group", "AWS::Redshift::ClusterParameterGroup", {
    "name": "ParameterGroupName", "family": "ParameterGroupFamily",
    "parameter": Blk("Parameters", {"name": "ParameterName", "value": "ParameterValue"}, many=True),
}, name="name")
simple("aws_db_event_subscription", "AWS::RDS::EventSubscription", {
    "name": "SubscriptionName", "source_type": "SourceType", "event_categories": "EventCategories", "enabled": "Enabled",
    "sns_topic": "SnsTopicArn",
}, name="name")

# -- Redshift Serverless --------------------------------------------------------------------------------------
simple("aws_redshiftserverless_workgroup", "AWS::RedshiftServerless::Workgroup", {
    "workgroup_name": "WorkgroupName", "namespace_name": "NamespaceName", "enhanced_vpc_routing": "EnhancedVpcRouting",
    "publicly_accessible": "PubliclyAccessible", "subnet_ids": "SubnetIds",
    "config_parameter": Blk("ConfigParameters", {"parameter_key": "ParameterKey", "parameter_value": "ParameterValue"},
                            many=True),
}, name="workgroup_name")
simple("aws_redshiftserverless_namespace", "AWS::RedshiftServerless::Namespace", {
    "namespace_name": "NamespaceName", "admin_username": "AdminUsername", "db_name": "DbName",
    "log_exports": "LogExports", "kms_key_id": "KmsKeyId",
}, name="namespace_name")

# -- migration and integration ------------------------------------------------------------------------------
simple("aws_dms_endpoint", "AWS::DMS::Endpoint", {
    "endpoint_id": "EndpointIdentifier", "endpoint_type": "EndpointType", "engine_name": "EngineName",
    "ssl_mode": "SslMode", "kms_key_arn": "KmsKeyId", "password": "Password", "username": "Username",
    "mongodb_settings": Blk("MongoDbSettings", {"auth_type": "AuthType", "auth_mechanism": "AuthMechanism"}),
    "redis_settings": Blk("RedisSettings", {"ssl_security_protocol": "SslSecurityProtocol", "auth_type": "AuthType"}),
}, name="endpoint_id")
simple("aws_dms_replication_task", "AWS::DMS::ReplicationTask", {
    "replication_task_id": "ReplicationTaskIdentifier", "migration_type": "MigrationType",
    "replication_task_settings": ("ReplicationTaskSettings", json_doc),
}, name="replication_task_id")
simple("aws_mskconnect_connector", "AWS::KafkaConnect::Connector", {
    "name": "ConnectorName",
    "kafka_cluster_encryption_in_transit": Blk("KafkaClusterEncryptionInTransit", {"encryption_type": "EncryptionType"}),
}, name="name")
simple("aws_datasync_task", "AWS::DataSync::Task", {
    "name": "Name", "cloudwatch_log_group_arn": "CloudWatchLogGroupArn",
}, name="name")
simple("aws_appsync_graphql_api", "AWS::AppSync::GraphQLApi", {
    "name": "Name", "authentication_type": "AuthenticationType",
    "additional_authentication_provider": Blk("AdditionalAuthenticationProviders",
                                              {"authentication_type": "AuthenticationType"}, many=True),
    "log_config": Blk("LogConfig", {"cloudwatch_logs_role_arn": "CloudWatchLogsRoleArn",
                                    "field_log_level": "FieldLogLevel"}),
}, name="name")
simple("aws_appsync_api_cache", "AWS::AppSync::ApiCache", {
    "api_id": "ApiId", "transit_encryption_enabled": "TransitEncryptionEnabled",
    "at_rest_encryption_enabled": "AtRestEncryptionEnabled",
})


@maps("aws_directory_service_directory", "AWS::DirectoryService::SimpleAD")
def _directory(b: Body, o: Builder, m: Any) -> None:
    # one Terraform type for CloudFormation's MicrosoftAD and SimpleAD (an ADConnector has no CloudFormation twin)
    kind = b.attr("type")
    if kind == "MicrosoftAD":
        o.type = "AWS::DirectoryService::MicrosoftAD"
    o.copy(b, {"name": "Name", "password": "Password", "edition": "Edition", "size": "Size"})
    o.name(b.attr("name"))


simple("aws_amplify_app", "AWS::Amplify::App", {
    "name": "Name", "basic_auth_credentials": "BasicAuthCredentials", "enable_basic_auth": "EnableBasicAuth",
})
simple("aws_amplify_branch", "AWS::Amplify::Branch", {
    "branch_name": "BranchName", "basic_auth_credentials": "BasicAuthCredentials", "enable_basic_auth": "EnableBasicAuth",
})
simple("aws_datasync_location_object_storage", "AWS::DataSync::LocationObjectStorage", {
    "server_hostname": "ServerHostname", "access_key": "AccessKey", "secret_key": "SecretKey",
})
simple("aws_glue_security_configuration", "AWS::Glue::SecurityConfiguration", {
    "name": "Name",
    "encryption_configuration": Blk("EncryptionConfiguration", {
        "cloudwatch_encryption": Blk("CloudWatchEncryption", {"cloudwatch_encryption_mode": "CloudWatchEncryptionMode",
                                                              "kms_key_arn": "KmsKeyArn"}),
        "job_bookmarks_encryption": Blk("JobBookmarksEncryption", {
            "job_bookmarks_encryption_mode": "JobBookmarksEncryptionMode", "kms_key_arn": "KmsKeyArn"}),
        "s3_encryption": Blk("S3Encryptions", {"s3_encryption_mode": "S3EncryptionMode", "kms_key_arn": "KmsKeyArn"},
                             many=True),
    }),
}, name="name")
simple("aws_glue_job", "AWS::Glue::Job", {"name": "Name", "role_arn": "Role", "glue_version": "GlueVersion",
                                          "command": Blk("Command", {"name": "Name", "script_location": "ScriptLocation"}),
                                          "security_configuration": "SecurityConfiguration"}, name="name")
simple("aws_glue_crawler", "AWS::Glue::Crawler", {"name": "Name", "role": "Role",
                                                  "security_configuration": "CrawlerSecurityConfiguration"}, name="name")
simple("aws_sagemaker_endpoint_configuration", "AWS::SageMaker::EndpointConfig", {
    "name": "EndpointConfigName", "kms_key_arn": "KmsKeyId",
}, name="name")
simple("aws_memorydb_cluster", "AWS::MemoryDB::Cluster", {
    "name": "ClusterName", "tls_enabled": "TLSEnabled", "kms_key_arn": "KmsKeyId", "acl_name": "ACLName",
}, name="name")
simple("aws_qldb_ledger", "AWS::QLDB::Ledger", {
    "name": "Name", "permissions_mode": "PermissionsMode", "deletion_protection": "DeletionProtection",
}, name="name")
simple("aws_mwaa_environment", "AWS::MWAA::Environment", {
    "name": "Name", "webserver_access_mode": "WebserverAccessMode", "kms_key": "KmsKey",
    "logging_configuration": Blk("LoggingConfiguration", {
        f"{k}_logs": Blk(f"{v}Logs", {"enabled": "Enabled", "log_level": "LogLevel"})
        for k, v in (("dag_processing", "DagProcessing"), ("scheduler", "Scheduler"), ("task", "Task"),
                     ("webserver", "Webserver"), ("worker", "Worker"))}),
}, name="name")
simple("aws_ses_configuration_set", "AWS::SES::ConfigurationSet", {
    "name": "Name", "delivery_options": Blk("DeliveryOptions", {"tls_policy": "TlsPolicy"}),  # "Require" here
}, name="name")
simple("aws_route53domains_registered_domain", "Wasec::Route53Domains::Domain", {
    "domain_name": "DomainName", "transfer_lock": "TransferLock", "auto_renew": "AutoRenew",
}, name="domain_name")


# -- more services that keep data under a key ---------------------------------------------------------
simple("aws_sagemaker_domain", "AWS::SageMaker::Domain", {
    "domain_name": "DomainName", "kms_key_id": "KmsKeyId", "app_network_access_type": "AppNetworkAccessType",
}, name="domain_name")
simple("aws_bedrockagent_agent", "AWS::Bedrock::Agent", {
    "agent_name": "AgentName", "customer_encryption_key_arn": "CustomerEncryptionKeyArn",
    "guardrail_configuration": Blk("GuardrailConfiguration", {"guardrail_identifier": "GuardrailIdentifier",
                                                              "guardrail_version": "GuardrailVersion"}),
}, name="agent_name")
simple("aws_keyspaces_table", "AWS::Cassandra::Table", {
    "table_name": "TableName", "keyspace_name": "KeyspaceName",
    "encryption_specification": Blk("EncryptionSpecification", {"type": "EncryptionType",
                                                                "kms_key_identifier": "KmsKeyIdentifier"}),
}, name="table_name")
simple("aws_kendra_index", "AWS::Kendra::Index", {
    "name": "Name", "server_side_encryption_configuration": Blk("ServerSideEncryptionConfiguration", {"kms_key_id": "KmsKeyId"}),
}, name="name")
simple("aws_appflow_flow", "AWS::AppFlow::Flow", {"name": "FlowName", "kms_arn": "KMSArn"}, name="name")
simple("aws_appflow_connector_profile", "AWS::AppFlow::ConnectorProfile", {"name": "ConnectorProfileName", "kms_arn": "KMSArn"},
       name="name")
simple("aws_cloudtrail_event_data_store", "AWS::CloudTrail::EventDataStore", {"name": "Name", "kms_key_id": "KmsKeyId"},
       name="name")
simple("aws_scheduler_schedule", "AWS::Scheduler::Schedule", {"name": "Name", "kms_key_arn": "KmsKeyArn"}, name="name")
simple("aws_rds_global_cluster", "AWS::RDS::GlobalCluster", {
    "global_cluster_identifier": "GlobalClusterIdentifier", "storage_encrypted": "StorageEncrypted",
    "source_db_cluster_identifier": "SourceDBClusterIdentifier", "engine": "Engine",
}, name="global_cluster_identifier")
simple("aws_docdb_global_cluster", "Wasec::DocDB::GlobalCluster", {
    "global_cluster_identifier": "GlobalClusterIdentifier", "storage_encrypted": "StorageEncrypted",
    "source_db_cluster_identifier": "SourceDBClusterIdentifier",
}, name="global_cluster_identifier")
simple("aws_glue_dev_endpoint", "AWS::Glue::DevEndpoint", {"name": "EndpointName", "security_configuration": "SecurityConfiguration"},
       name="name")
simple("aws_cloudsearch_domain", "Wasec::CloudSearch::Domain", {
    "name": "DomainName", "endpoint_options": Blk("EndpointOptions", {"enforce_https": "EnforceHTTPS",
                                                                      "tls_security_policy": "TLSSecurityPolicy"}),
}, name="name")
simple("aws_imagebuilder_image_recipe", "AWS::ImageBuilder::ImageRecipe", {
    "name": "Name",
    "block_device_mapping": Blk("BlockDeviceMappings", {"device_name": "DeviceName", "no_device": "NoDevice", "ebs": Blk("Ebs", {
        "encrypted": "Encrypted", "kms_key_id": "KmsKeyId", "snapshot_id": "SnapshotId"})}, many=True),
}, name="name")
simple("aws_imagebuilder_distribution_configuration", "AWS::ImageBuilder::DistributionConfiguration", {
    "name": "Name",
    "distribution": Blk("Distributions", {"region": "Region", "ami_distribution_configuration": Blk(
        "AmiDistributionConfiguration", {"name": "Name", "kms_key_id": "KmsKeyId"})}, many=True),
}, name="name")
simple("aws_imagebuilder_component", "AWS::ImageBuilder::Component", {"name": "Name", "kms_key_id": "KmsKeyId"}, name="name")
for _tf in ("aws_comprehend_entity_recognizer", "aws_comprehend_document_classifier"):
    simple(_tf, "Wasec::Comprehend::Model", {"name": "Name", "model_kms_key_id": "ModelKmsKeyId",
                                              "volume_kms_key_id": "VolumeKmsKeyId"}, name="name")
_ENCRYPTION = Blk("EncryptionConfig", {"encryption_type": "EncryptionType", "key_id": "KeyId"})
simple("aws_connect_instance_storage_config", "AWS::Connect::InstanceStorageConfig", {
    "resource_type": "ResourceType",
    "storage_config": Blk("", {
        "storage_type": "StorageType",
        "s3_config": Blk("S3Config", {"bucket_name": "BucketName", "encryption_config": _ENCRYPTION}),
        "kinesis_video_stream_config": Blk("KinesisVideoStreamConfig", {"prefix": "Prefix", "encryption_config": _ENCRYPTION}),
    }),
})
simple("aws_sagemaker_data_quality_job_definition", "AWS::SageMaker::DataQualityJobDefinition", {
    "name": "JobDefinitionName",
    "data_quality_job_output_config": Blk("DataQualityJobOutputConfig", {"kms_key_id": "KmsKeyId"}),
    "job_resources": Blk("JobResources", {"cluster_config": Blk("ClusterConfig", {"volume_kms_key_id": "VolumeKmsKeyId"})}),
    "network_config": Blk("NetworkConfig", {
        "enable_inter_container_traffic_encryption": "EnableInterContainerTrafficEncryption",
        "enable_network_isolation": "EnableNetworkIsolation"}),
}, name="name")
simple("aws_db_security_group", "AWS::RDS::DBSecurityGroup", {"description": "GroupDescription"}, name="name")


@maps("aws_dms_s3_endpoint", "AWS::DMS::Endpoint")
def _dms_s3_endpoint(b: Body, o: Builder, m: Any) -> None:
    o.put("EngineName", "s3", b.line, b.file)  # the S3 endpoint resource is CloudFormation's endpoint with engine s3
    o.copy(b, {"endpoint_id": "EndpointIdentifier", "endpoint_type": "EndpointType", "kms_key_arn": "KmsKeyId",
               "ssl_mode": "SslMode", "server_side_encryption_kms_key_id": "S3Settings.ServerSideEncryptionKmsKeyId",
               "encryption_mode": "S3Settings.EncryptionMode"})
    o.name(b.attr("endpoint_id"))


# copies of database data made by Terraform (no CloudFormation resource copies them)
simple("aws_db_snapshot_copy", "Wasec::Database::SnapshotCopy", {"target_db_snapshot_identifier": "Name", "kms_key_id": "KmsKeyId"})
simple("aws_db_instance_automated_backups_replication", "Wasec::Database::SnapshotCopy", {"kms_key_id": "KmsKeyId"})
simple("aws_redshift_snapshot_copy_grant", "Wasec::Database::SnapshotCopy", {"snapshot_copy_grant_name": "Name",
                                                                         "kms_key_id": "KmsKeyId"})
simple("aws_memorydb_snapshot", "Wasec::Database::SnapshotCopy", {"name": "Name", "kms_key_arn": "KmsKeyId"})
simple("aws_sagemaker_flow_definition", "Wasec::SageMaker::FlowDefinition", {
    "flow_definition_name": "Name", "output_config": Blk("OutputConfig", {"kms_key_id": "KmsKeyId", "s3_output_path": "S3OutputPath"}),
})
simple("aws_rds_cluster_activity_stream", "Wasec::RDS::ActivityStream", {"resource_arn": "ResourceArn", "mode": "Mode",
                                                                         "kms_key_id": "KmsKeyId"})
simple("aws_codegurureviewer_repository_association", "Wasec::CodeGuru::RepositoryAssociation", {
    "kms_key_details": Blk("KmsKeyDetails", {"encryption_option": "EncryptionOption", "kms_key_id": "KmsKeyId"}),
})


@attaches("aws_dynamodb_table_replica", "AWS::DynamoDB::Table", via="global_table_arn")
def _table_replica(b: Body, o: Builder, m: Any) -> None:
    idx = o.append("Replicas", {}, b.line, b.file)
    o.set(f"Replicas.{idx}.Region", b.attr("region_name"))
    o.set(f"Replicas.{idx}.SSESpecification.KMSMasterKeyId", b.attr("kms_key_arn"))
