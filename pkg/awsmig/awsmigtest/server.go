package awsmigtest

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/dbverify/dbverify/pkg/awsmig"
)

// Server serves a Cloud over the wire protocols the SDK speaks:
//
//   - RDS: AWS query (form-encoded POST, Action=...), answers in XML;
//   - KMS and DMS: AWS JSON 1.1 (X-Amz-Target: TrentService.X / AmazonDMSv20160101.X);
//   - CloudWatch: Smithy RPC v2 CBOR (POST /service/GraniteServiceVersion20100801/operation/X),
//     the protocol the SDK's CloudWatch client uses since 2025;
//   - Route 53: REST XML under /2013-04-01/.
//
// The region of each request comes from its SigV4 credential scope, so one server stands in
// for every region. Requests holds how many requests each protocol received.
type Server struct {
	*httptest.Server
	Cloud    *Cloud
	requests [5]atomic.Int64
}

// Protocols, for Requests.
const (
	ProtoQuery = iota // RDS
	ProtoJSON         // KMS, DMS
	ProtoCBOR         // CloudWatch
	ProtoREST         // Route 53
	protoOther
)

// NewServer starts a server for the cloud; close it when done.
func NewServer(c *Cloud) *Server {
	s := &Server{Cloud: c}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Requests returns how many requests a protocol (ProtoQuery, ...) received.
func (s *Server) Requests(proto int) int64 { return s.requests[proto].Load() }

var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d+/([^/]+)/([^/]+)/aws4_request`)

// regionOf reads the region a request was signed for.
func regionOf(r *http.Request) string {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return "us-east-1"
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	region := regionOf(r)
	target := r.Header.Get("X-Amz-Target")
	switch {
	case r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor":
		s.requests[ProtoCBOR].Add(1)
		s.serveCBOR(w, r, body, region)
	case strings.HasPrefix(target, "TrentService."), strings.HasPrefix(target, "AmazonDMSv20160101."):
		s.requests[ProtoJSON].Add(1)
		s.serveJSON(w, target, body, region)
	case strings.HasPrefix(r.URL.Path, "/2013-04-01/"):
		s.requests[ProtoREST].Add(1)
		s.serveRoute53(w, r, body)
	case r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		s.requests[ProtoQuery].Add(1)
		s.serveQuery(w, body, region)
	default:
		s.requests[protoOther].Add(1)
		http.Error(w, "awsmigtest: no fake service for "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

// errorCode is the service error code of err: an SDK error type's, or SimulatedCrash.
func errorCode(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	// Status 400 with an unknown code: the SDK does not retry it.
	return "SimulatedCrash", err.Error()
}

// --- AWS JSON 1.1: KMS and DMS ---

// jsonOps are the KMS and DMS operations, by X-Amz-Target.
func (s *Server) jsonOps() map[string]func(region string, body []byte) (any, error) {
	c := s.Cloud
	return map[string]func(string, []byte) (any, error){
		"TrentService.DescribeKey":                        jsonOp(c.KMS, (*KMS).DescribeKey),
		"TrentService.GenerateDataKeyWithoutPlaintext":    jsonOp(c.KMS, (*KMS).GenerateDataKeyWithoutPlaintext),
		"AmazonDMSv20160101.DescribeEndpoints":            jsonOp(c.DMS, (*DMS).DescribeEndpoints),
		"AmazonDMSv20160101.DescribeConnections":          jsonOp(c.DMS, (*DMS).DescribeConnections),
		"AmazonDMSv20160101.TestConnection":               jsonOp(c.DMS, (*DMS).TestConnection),
		"AmazonDMSv20160101.DescribeReplicationInstances": jsonOp(c.DMS, (*DMS).DescribeReplicationInstances),
		"AmazonDMSv20160101.DescribeReplicationTasks":     jsonOp(c.DMS, (*DMS).DescribeReplicationTasks),
		"AmazonDMSv20160101.CreateReplicationTask":        jsonOp(c.DMS, (*DMS).CreateReplicationTask),
		"AmazonDMSv20160101.StartReplicationTask":         jsonOp(c.DMS, (*DMS).StartReplicationTask),
		"AmazonDMSv20160101.ModifyReplicationTask":        jsonOp(c.DMS, (*DMS).ModifyReplicationTask),
		"AmazonDMSv20160101.StopReplicationTask":          jsonOp(c.DMS, (*DMS).StopReplicationTask),
		"AmazonDMSv20160101.DeleteReplicationTask":        jsonOp(c.DMS, (*DMS).DeleteReplicationTask),
		"AmazonDMSv20160101.DescribeTableStatistics":      jsonOp(c.DMS, (*DMS).DescribeTableStatistics),
		"AmazonDMSv20160101.CreateReplicationInstance":    jsonOp(c.DMS, (*DMS).CreateReplicationInstance),
		"AmazonDMSv20160101.DeleteReplicationInstance":    jsonOp(c.DMS, (*DMS).DeleteReplicationInstance),
		"AmazonDMSv20160101.CreateEndpoint":               jsonOp(c.DMS, (*DMS).CreateEndpoint),
		"AmazonDMSv20160101.DeleteEndpoint":               jsonOp(c.DMS, (*DMS).DeleteEndpoint),
		"AmazonDMSv20160101.ListTagsForResource":          jsonOp(c.DMS, (*DMS).ListTagsForResource),
	}
}

// jsonOp decodes a JSON request into the operation's SDK input type, calls the method on the
// region's view of the fake and returns its output.
func jsonOp[V, In, Out, Opt any](view func(region string) V, method func(V, context.Context, *In, ...func(*Opt)) (*Out, error)) func(string, []byte) (any, error) {
	return func(region string, body []byte) (any, error) {
		in := new(In)
		if len(body) > 0 {
			if err := json.Unmarshal(jsonTimes(body, reflect.TypeOf(in).Elem()), in); err != nil {
				return nil, &smithy.GenericAPIError{Code: "SerializationException", Message: err.Error()}
			}
		}
		out, err := method(view(region), context.Background(), in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// jsonTimes rewrites the top-level timestamps of a JSON 1.1 request body, which the protocol
// sends as epoch seconds, as RFC 3339 text, which encoding/json reads into a time.Time.
func jsonTimes(body []byte, typ reflect.Type) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	changed := false
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Type != reflect.TypeOf(&time.Time{}) && f.Type != reflect.TypeOf(time.Time{}) {
			continue
		}
		var secs float64
		if raw, ok := m[f.Name]; ok && json.Unmarshal(raw, &secs) == nil {
			m[f.Name], _ = json.Marshal(time.UnixMilli(int64(secs * 1000)).UTC().Format(time.RFC3339Nano))
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, _ := json.Marshal(m)
	return out
}

func (s *Server) serveJSON(w http.ResponseWriter, target string, body []byte, region string) {
	op := s.jsonOps()[target]
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "awsmigtest")
	if op == nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": "UnknownOperationException", "message": target})
		return
	}
	out, err := op(region, body)
	if err != nil {
		code, msg := errorCode(err)
		w.Header().Set("X-Amzn-Errortype", code)
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
		return
	}
	json.NewEncoder(w).Encode(jsonValue(toNode(out)))
}

// --- Smithy RPC v2 CBOR: CloudWatch ---

func (s *Server) serveCBOR(w http.ResponseWriter, r *http.Request, body []byte, region string) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	fail := func(err error) {
		code, msg := errorCode(err)
		w.WriteHeader(http.StatusBadRequest)
		w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(msg)}))
	}
	op := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if r.URL.Path != "/service/GraniteServiceVersion20100801/operation/"+op || op != "GetMetricData" {
		fail(&smithy.GenericAPIError{Code: "UnknownOperationException", Message: r.URL.Path})
		return
	}
	in := &cloudwatch.GetMetricDataInput{}
	if len(body) > 0 {
		v, err := cbor.Decode(body)
		if err != nil {
			fail(&smithy.GenericAPIError{Code: "SerializationException", Message: err.Error()})
			return
		}
		// Through JSON into the SDK's input type; timestamps (tag 1) become RFC 3339.
		b, _ := json.Marshal(plainCBOR(v))
		if err := json.Unmarshal(b, in); err != nil {
			fail(&smithy.GenericAPIError{Code: "SerializationException", Message: err.Error()})
			return
		}
	}
	out, err := s.Cloud.CloudWatch(region).GetMetricData(r.Context(), in)
	if err != nil {
		fail(err)
		return
	}
	w.Write(cbor.Encode(cborValue(toNode(out))))
}

// plainCBOR turns a decoded CBOR value into Go values encoding/json understands.
func plainCBOR(v cbor.Value) any {
	switch v := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = plainCBOR(e)
		}
		return m
	case cbor.List:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = plainCBOR(e)
		}
		return l
	case cbor.String:
		return string(v)
	case cbor.Uint:
		return uint64(v)
	case cbor.NegInt:
		return -int64(v)
	case cbor.Float32:
		return float64(v)
	case cbor.Float64:
		return float64(v)
	case cbor.Bool:
		return bool(v)
	case *cbor.Tag:
		if v.ID == 1 {
			var secs float64
			switch n := v.Value.(type) {
			case cbor.Uint:
				secs = float64(n)
			case cbor.Float64:
				secs = float64(n)
			case cbor.Float32:
				secs = float64(n)
			}
			return time.UnixMilli(int64(secs * 1000)).UTC().Format(time.RFC3339Nano)
		}
		return plainCBOR(v.Value)
	}
	return nil
}

// --- AWS query: RDS ---

// queryOps are the RDS operations, by Action.
func (s *Server) queryOps() map[string]func(region string, form url.Values) (any, error) {
	c := s.Cloud
	return map[string]func(string, url.Values) (any, error){
		"DescribeDBInstances":             queryOp(c.RDS, (*RDS).DescribeDBInstances),
		"DescribeDBSnapshots":             queryOp(c.RDS, (*RDS).DescribeDBSnapshots),
		"CreateDBSnapshot":                queryOp(c.RDS, (*RDS).CreateDBSnapshot),
		"CopyDBSnapshot":                  queryOp(c.RDS, (*RDS).CopyDBSnapshot),
		"RestoreDBInstanceFromDBSnapshot": queryOp(c.RDS, (*RDS).RestoreDBInstanceFromDBSnapshot),
		"DescribeDBClusters":              queryOp(c.RDS, (*RDS).DescribeDBClusters),
		"DescribeDBClusterSnapshots":      queryOp(c.RDS, (*RDS).DescribeDBClusterSnapshots),
		"CreateDBClusterSnapshot":         queryOp(c.RDS, (*RDS).CreateDBClusterSnapshot),
		"CopyDBClusterSnapshot":           queryOp(c.RDS, (*RDS).CopyDBClusterSnapshot),
		"RestoreDBClusterFromSnapshot":    queryOp(c.RDS, (*RDS).RestoreDBClusterFromSnapshot),
		"CreateDBInstance":                queryOp(c.RDS, (*RDS).CreateDBInstance),
		"DescribeEvents":                  queryOp(c.RDS, (*RDS).DescribeEvents),
		"DeleteDBSnapshot":                queryOp(c.RDS, (*RDS).DeleteDBSnapshot),
		"DeleteDBClusterSnapshot":         queryOp(c.RDS, (*RDS).DeleteDBClusterSnapshot),
		"DeleteDBInstance":                queryOp(c.RDS, (*RDS).DeleteDBInstance),
	}
}

// queryOp decodes a form into the operation's SDK input type and calls the method on the
// region's view of the fake.
func queryOp[V, In, Out, Opt any](view func(region string) V, method func(V, context.Context, *In, ...func(*Opt)) (*Out, error)) func(string, url.Values) (any, error) {
	return func(region string, form url.Values) (any, error) {
		in := new(In)
		if err := decodeForm(form, "", in); err != nil {
			return nil, &smithy.GenericAPIError{Code: "MalformedQueryString", Message: err.Error()}
		}
		out, err := method(view(region), context.Background(), in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

const rdsNamespace = "http://rds.amazonaws.com/doc/2014-10-31/"

func (s *Server) serveQuery(w http.ResponseWriter, body []byte, region string) {
	w.Header().Set("Content-Type", "text/xml")
	form, err := url.ParseQuery(string(body))
	action := form.Get("Action")
	op := s.queryOps()[action]
	if err == nil && op == nil {
		err = &smithy.GenericAPIError{Code: "InvalidAction", Message: "awsmigtest: no fake RDS action " + action}
	}
	var out any
	if err == nil {
		out, err = op(region, form)
	}
	if err != nil {
		code, msg := errorCode(err)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>awsmigtest</RequestId></ErrorResponse>`,
			rdsNamespace, xmlText(code), xmlText(msg))
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<%sResponse xmlns="%s"><%sResult>`, action, rdsNamespace, action)
	writeXMLFields(&b, toNode(out))
	fmt.Fprintf(&b, `</%sResult><ResponseMetadata><RequestId>awsmigtest</RequestId></ResponseMetadata></%sResponse>`, action, action)
	io.WriteString(w, b.String())
}

// --- REST XML: Route 53 ---

const route53Namespace = "https://route53.amazonaws.com/doc/2013-04-01/"

// changeRequest is the body of ChangeResourceRecordSets.
type changeRequest struct {
	ChangeBatch struct {
		Comment string
		Changes []struct {
			Action            string
			ResourceRecordSet struct {
				Name            string
				Type            string
				TTL             *int64
				ResourceRecords []struct{ Value string } `xml:"ResourceRecords>ResourceRecord"`
			}
		} `xml:"Changes>Change"`
	}
}

var (
	rrsetPath  = regexp.MustCompile(`^/2013-04-01/hostedzone/([^/]+)/rrset/?$`)
	changePath = regexp.MustCompile(`^/2013-04-01/change/([^/]+)$`)
)

func (s *Server) serveRoute53(w http.ResponseWriter, r *http.Request, body []byte) {
	r53 := s.Cloud.Route53()
	ctx := r.Context()
	var (
		root string
		out  any
		err  error
	)
	switch m := rrsetPath.FindStringSubmatch(r.URL.Path); {
	case m != nil && r.Method == http.MethodGet:
		root = "ListResourceRecordSetsResponse"
		q := r.URL.Query()
		in := &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(m[1])}
		if v := q.Get("name"); v != "" {
			in.StartRecordName = aws.String(v)
		}
		in.StartRecordType = r53types.RRType(q.Get("type"))
		if v, perr := strconv.Atoi(q.Get("maxitems")); perr == nil {
			in.MaxItems = aws.Int32(int32(v))
		}
		out, err = r53.ListResourceRecordSets(ctx, in)
	case m != nil && r.Method == http.MethodPost:
		root = "ChangeResourceRecordSetsResponse"
		var req changeRequest
		if err = xml.Unmarshal(body, &req); err != nil {
			err = &r53types.InvalidInput{Message: aws.String(err.Error())}
			break
		}
		in := &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(m[1]), ChangeBatch: &r53types.ChangeBatch{Comment: aws.String(req.ChangeBatch.Comment)}}
		for _, ch := range req.ChangeBatch.Changes {
			set := &r53types.ResourceRecordSet{Name: aws.String(ch.ResourceRecordSet.Name), Type: r53types.RRType(ch.ResourceRecordSet.Type), TTL: ch.ResourceRecordSet.TTL}
			for _, rr := range ch.ResourceRecordSet.ResourceRecords {
				set.ResourceRecords = append(set.ResourceRecords, r53types.ResourceRecord{Value: aws.String(rr.Value)})
			}
			in.ChangeBatch.Changes = append(in.ChangeBatch.Changes, r53types.Change{Action: r53types.ChangeAction(ch.Action), ResourceRecordSet: set})
		}
		out, err = r53.ChangeResourceRecordSets(ctx, in)
	default:
		if m := changePath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
			root = "GetChangeResponse"
			out, err = r53.GetChange(ctx, &route53.GetChangeInput{Id: aws.String(m[1])})
		} else {
			err = &smithy.GenericAPIError{Code: "InvalidAction", Message: "awsmigtest: no fake Route 53 operation " + r.Method + " " + r.URL.Path}
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	if err != nil {
		code, msg := errorCode(err)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>awsmigtest</RequestId></ErrorResponse>`,
			route53Namespace, xmlText(code), xmlText(msg))
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><%s xmlns="%s">`, root, route53Namespace)
	writeXMLFields(&b, toNode(out))
	fmt.Fprintf(&b, `</%s>`, root)
	io.WriteString(w, b.String())
}

// Clients returns the SDK's own clients, pointed at the server, for a source and a target
// region, with fixed fake credentials.
func (s *Server) Clients(sourceRegion, targetRegion string) awsmig.Clients {
	return EndpointClients(s.URL, sourceRegion, targetRegion)
}

// EndpointClients returns the SDK's own clients for every service, all pointed at one
// endpoint (this package's Server, or an emulator such as moto_server), with fixed fake
// credentials.
func EndpointClients(endpoint, sourceRegion, targetRegion string) awsmig.Clients {
	cfg := func(region string) aws.Config { return EndpointConfig(endpoint, region) }
	src, dst := cfg(sourceRegion), cfg(targetRegion)
	return awsmig.Clients{
		SourceRDS:  rds.NewFromConfig(src),
		TargetRDS:  rds.NewFromConfig(dst),
		KMS:        kms.NewFromConfig(dst),
		DMS:        dms.NewFromConfig(dst),
		CloudWatch: cloudwatch.NewFromConfig(dst),
		Route53:    route53.NewFromConfig(cfg("us-east-1")),
	}
}

// EndpointConfig is an SDK configuration for one region whose clients all call endpoint, with
// fixed fake credentials and nothing read from the environment.
func EndpointConfig(endpoint, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDAWSMIGTEST", "awsmigtest-secret", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}
